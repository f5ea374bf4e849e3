// The people library's list: each person with face count, a thumbnail face (best quality with a crop) and when last checked in.
import { and, asc, count, ilike, sql } from 'drizzle-orm';
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
  /** Faces to enrol again (see `EnrolAgainRule`); 0 when the listing was not given the running model. */
  enrolAgain: number;
}

/**
 * Which faces want the person enrolled again under the running model: faces of another model (not searched, since
 * start-up could not re-embed them), and, where the model reads the ArcFace crop, faces re-embedded from a stored crop
 * smaller than `minCropPx` (searched, less reliably: vision/models.ts reenrolReason).
 */
export interface EnrolAgainRule {
  modelId: string;
  /** Null: the model reads the 150 px chip whole, so no re-embedded face is too small. */
  minCropPx: number | null;
}

export async function listPeopleOverview(
  db: StoreDb,
  opts: { q?: string; limit: number; offset: number; rule?: EnrolAgainRule; onlyEnrolAgain?: boolean },
): Promise<{ items: PersonOverview[]; total: number }> {
  const { rule } = opts;
  const small = rule?.minCropPx != null ? sql`or f.embedded_from_crop_px < ${rule.minCropPx}` : sql``;
  const enrolAgainFaces = rule ? sql`from faces f where f.person_id = "people"."id" and (f.model_id <> ${rule.modelId} ${small})` : null;
  const byName = opts.q ? ilike(people.name, `%${escapeLike(opts.q)}%`) : undefined;
  const where = and(byName, opts.onlyEnrolAgain && enrolAgainFaces ? sql`exists (select 1 ${enrolAgainFaces})` : undefined);
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
      enrolAgain: enrolAgainFaces ? sql<number>`(select count(*) ${enrolAgainFaces})`.mapWith(Number) : sql<number>`0`.mapWith(Number),
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
