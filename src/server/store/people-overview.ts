// The people library's list: each person with face count, a thumbnail face (best quality with a crop) and when last checked in.
import { asc, count, ilike, sql } from 'drizzle-orm';
import type { StoreDb } from './drizzle-db.js';
import { escapeLike } from './sql-guards.js';
import { people } from './schema.js';

export interface PersonOverview {
  id: string;
  name: string;
  createdAt: Date;
  faces: number;
  thumbnailFaceId: string | null;
  lastSeenAt: Date | null;
}

export async function listPeopleOverview(
  db: StoreDb,
  opts: { q?: string; limit: number; offset: number },
): Promise<{ items: PersonOverview[]; total: number }> {
  const where = opts.q ? ilike(people.name, `%${escapeLike(opts.q)}%`) : undefined;
  // Correlated subqueries (the outer column spelled out: drizzle writes a bare "id", which the subquery would take as its own): one pass over the page of people, each answered from the person_id indexes.
  const rows = await db
    .select({
      id: people.id,
      name: people.name,
      createdAt: people.createdAt,
      faces: sql<number>`(select count(*) from faces f where f.person_id = "people"."id")`.mapWith(Number),
      thumbnailFaceId: sql<
        string | null
      >`(select f.id from faces f where f.person_id = "people"."id" and f.crop is not null order by f.quality desc nulls last, f.created_at limit 1)`,
      lastSeenAt: sql<string | null>`(select max(coalesce(c.last_seen_at, c.at)) from check_ins c where c.person_id = "people"."id")`,
    })
    .from(people)
    .where(where)
    .orderBy(asc(people.name), asc(people.id))
    .limit(opts.limit)
    .offset(opts.offset);
  const [row] = await db.select({ n: count() }).from(people).where(where);
  return {
    items: rows.map((r) => ({ ...r, thumbnailFaceId: r.thumbnailFaceId ?? null, lastSeenAt: r.lastSeenAt ? new Date(r.lastSeenAt) : null })),
    total: row?.n ?? 0,
  };
}
