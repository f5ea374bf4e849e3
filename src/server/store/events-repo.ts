// Read-only queries over attendance rows (check_ins) and unknown sightings (unknown_sightings), by person and time range.
import { and, asc, count, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import type { StoreDb } from './drizzle-db.js';
import { isUuid } from './sql-guards.js';
import { checkIns, people, unknownSightings } from './schema.js';
import type { SightingSummary } from './sightings-repo.js';

export interface TimeRange {
  from?: Date;
  to?: Date;
  limit: number;
  offset: number;
}

export interface CheckIn {
  id: string;
  personId: string;
  personName: string;
  at: Date;
  /** The last time a camera recognized them within this check-in's cooldown window (`at` when not seen again). */
  lastSeenAt: Date;
  score: number;
  camera: string;
}

export interface Sighting extends SightingSummary {
  hasCrop: boolean;
}

export function eventsRepo(db: StoreDb) {
  return {
    async checkIns(q: TimeRange & { personId?: string }): Promise<{ items: CheckIn[]; total: number }> {
      if (q.personId !== undefined && !isUuid(q.personId)) return { items: [], total: 0 };
      const conds: (SQL | undefined)[] = [
        q.personId ? eq(checkIns.personId, q.personId) : undefined,
        q.from ? gte(checkIns.at, q.from) : undefined,
        q.to ? lt(checkIns.at, q.to) : undefined,
      ];
      const where = and(...conds);
      const items = await db
        .select({
          id: checkIns.id,
          personId: checkIns.personId,
          personName: people.name,
          at: checkIns.at,
          lastSeenAt: checkIns.lastSeenAt,
          score: checkIns.score,
          camera: checkIns.camera,
        })
        .from(checkIns)
        .innerJoin(people, eq(people.id, checkIns.personId))
        .where(where)
        .orderBy(asc(checkIns.at), asc(checkIns.id))
        .limit(q.limit)
        .offset(q.offset);
      const [row] = await db.select({ n: count() }).from(checkIns).where(where);
      return { items: items.map((c) => ({ ...c, lastSeenAt: c.lastSeenAt ?? c.at })), total: row?.n ?? 0 };
    },

    async sightings(q: TimeRange & { bestPersonId?: string }): Promise<{ items: Sighting[]; total: number }> {
      if (q.bestPersonId !== undefined && !isUuid(q.bestPersonId)) return { items: [], total: 0 };
      const s = unknownSightings;
      // A sighting belongs to a range when it overlaps it.
      const where = and(
        q.bestPersonId ? eq(s.bestPersonId, q.bestPersonId) : undefined,
        q.from ? gte(s.lastSeenAt, q.from) : undefined,
        q.to ? lt(s.firstSeenAt, q.to) : undefined,
      );
      const rows: Sighting[] = await db
        .select({
          id: s.id,
          firstSeenAt: s.firstSeenAt,
          lastSeenAt: s.lastSeenAt,
          camera: s.camera,
          modelId: s.modelId,
          bestScore: s.bestScore,
          bestPersonId: s.bestPersonId,
          hasCrop: sql<boolean>`${s.crop} is not null`,
        })
        .from(s)
        .where(where)
        .orderBy(asc(s.firstSeenAt), asc(s.id))
        .limit(q.limit)
        .offset(q.offset);
      const [row] = await db.select({ n: count() }).from(s).where(where);
      return { items: rows, total: row?.n ?? 0 };
    },

    async sightingCrop(id: string): Promise<Buffer | null> {
      if (!isUuid(id)) return null;
      const [row] = await db.select({ crop: unknownSightings.crop }).from(unknownSightings).where(eq(unknownSightings.id, id));
      return row?.crop ?? null;
    },
  };
}

export type EventsRepo = ReturnType<typeof eventsRepo>;
