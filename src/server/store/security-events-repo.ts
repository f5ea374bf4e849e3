// Security events (table security_events): presentation attacks the live path refused, one per track, with the face as
// seen. Listed newest first for the operator's Security page; bounded by retention like sightings.
import { and, count, desc, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import type { StoreDb } from './drizzle-db.js';
import { securityEvents } from './schema.js';
import { isUuid } from './sql-guards.js';

export interface NewSecurityEvent {
  camera: string;
  at: Date;
  personId: string | null;
  personName: string | null;
  similarity: number | null;
  wouldBeNamed: boolean;
  liveScore: number;
  framesChecked: number;
  attackFrames: number;
  crop: Uint8Array | null;
}

export interface SecurityEventRow extends Omit<NewSecurityEvent, 'crop'> {
  id: string;
  kind: 'presentation_attack';
  hasCrop: boolean;
}

const s = securityEvents;

export function securityEventsRepo(db: StoreDb) {
  return {
    async insert(e: NewSecurityEvent): Promise<string> {
      const [row] = await db
        .insert(s)
        .values({ ...e, crop: e.crop ? Buffer.from(e.crop) : null })
        .returning({ id: s.id });
      return row!.id;
    },

    /** Newest first. */
    async list(q: { camera?: string; from?: Date; to?: Date; limit: number; offset: number }): Promise<{ items: SecurityEventRow[]; total: number }> {
      const where = and(q.camera !== undefined ? eq(s.camera, q.camera) : undefined, q.from ? gte(s.at, q.from) : undefined, q.to ? lt(s.at, q.to) : undefined);
      const rows = await db
        .select({
          id: s.id,
          kind: s.kind,
          camera: s.camera,
          at: s.at,
          personId: s.personId,
          personName: s.personName,
          similarity: s.similarity,
          wouldBeNamed: s.wouldBeNamed,
          liveScore: s.liveScore,
          framesChecked: s.framesChecked,
          attackFrames: s.attackFrames,
          hasCrop: sql<boolean>`${s.crop} is not null`,
        })
        .from(s)
        .where(where)
        .orderBy(desc(s.at), desc(s.id))
        .limit(q.limit)
        .offset(q.offset);
      const [n] = await db.select({ n: count() }).from(s).where(where);
      return { items: rows.map((r) => ({ ...r, kind: 'presentation_attack' as const })), total: n?.n ?? 0 };
    },

    async crop(id: string): Promise<Buffer | null> {
      if (!isUuid(id)) return null;
      const [row] = await db.select({ crop: s.crop }).from(s).where(eq(s.id, id));
      return row?.crop ?? null;
    },

    /** Retention: older than `retentionDays`, then all but the newest `maxRows` (0 = no limit). Returns rows deleted. */
    async prune(opts: { now: Date; retentionDays: number; maxRows: number }): Promise<number> {
      let deleted = 0;
      if (opts.retentionDays > 0) {
        const cutoff = new Date(opts.now.getTime() - opts.retentionDays * 86_400_000);
        deleted += (await db.delete(s).where(lt(s.at, cutoff)).returning({ id: s.id })).length;
      }
      if (opts.maxRows > 0) {
        const excess = db.select({ id: s.id }).from(s).orderBy(desc(s.at), desc(s.id)).offset(opts.maxRows);
        deleted += (await db.delete(s).where(inArray(s.id, excess)).returning({ id: s.id })).length;
      }
      return deleted;
    },
  };
}

export type SecurityEventsRepo = ReturnType<typeof securityEventsRepo>;
