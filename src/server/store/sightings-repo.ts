// Unknown sightings on the drizzle db: insert, list, read, delete, retention, and the transactional "take" used when
// an operator promotes a sighting to a person or attaches it to one (src/server/attendance/sightings.ts).
import { count, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import { bytesToEmbedding, embeddingToBytes } from './embedding-bytes.js';
import type { StoreDb } from './drizzle-db.js';
import { unknownSightings } from './schema.js';
import { isUuid } from './sql-guards.js';

export interface NewSighting {
  firstSeenAt: Date;
  lastSeenAt: Date;
  camera: string;
  modelId: string;
  embedding: Float32Array;
  /** Best view as a small JPEG. */
  crop: Uint8Array | null;
  bestScore: number | null;
  bestPersonId: string | null;
}

export interface SightingSummary {
  id: string;
  firstSeenAt: Date;
  lastSeenAt: Date;
  camera: string;
  modelId: string;
  bestScore: number | null;
  bestPersonId: string | null;
}

export interface Sighting extends SightingSummary {
  embedding: Float32Array;
  crop: Buffer | null;
}

/** For the review page: the embedding (to group look-alikes) and whether a crop exists, not the crop itself. */
export interface ReviewSighting extends Omit<SightingSummary, 'modelId'> {
  embedding: Float32Array;
  hasCrop: boolean;
}

export function sightingsRepo(db: StoreDb) {
  return {
    insert: (s: NewSighting) => insertSighting(db, s),
    list: (opts?: { limit?: number; offset?: number }) => listSightings(db, opts),
    count: () => countSightings(db),
    get: (id: string, forUpdate = false) => getSighting(db, id, forUpdate),
    delete: (id: string) => deleteSighting(db, id),
    prune: (opts: { now: Date; retentionDays: number; maxRows: number }) => pruneSightings(db, opts),

    /** The newest `limit` sightings with their embeddings, newest first. */
    async recent(limit: number): Promise<ReviewSighting[]> {
      const s = unknownSightings;
      const rows = await db
        .select({
          id: s.id,
          firstSeenAt: s.firstSeenAt,
          lastSeenAt: s.lastSeenAt,
          camera: s.camera,
          bestScore: s.bestScore,
          bestPersonId: s.bestPersonId,
          embedding: s.embedding,
          hasCrop: sql<boolean>`${s.crop} is not null`,
        })
        .from(s)
        .orderBy(desc(s.lastSeenAt), desc(s.id))
        .limit(limit);
      return rows.map((r) => ({ ...r, embedding: bytesToEmbedding(r.embedding) }));
    },
  };
}

export type SightingsRepo = ReturnType<typeof sightingsRepo>;

const summary = {
  id: unknownSightings.id,
  firstSeenAt: unknownSightings.firstSeenAt,
  lastSeenAt: unknownSightings.lastSeenAt,
  camera: unknownSightings.camera,
  modelId: unknownSightings.modelId,
  bestScore: unknownSightings.bestScore,
  bestPersonId: unknownSightings.bestPersonId,
};

async function insertSighting(db: StoreDb, s: NewSighting): Promise<string> {
  const [row] = await db
    .insert(unknownSightings)
    .values({
      firstSeenAt: s.firstSeenAt,
      lastSeenAt: s.lastSeenAt,
      camera: s.camera,
      modelId: s.modelId,
      dims: s.embedding.length,
      embedding: embeddingToBytes(s.embedding),
      crop: s.crop ? Buffer.from(s.crop.buffer, s.crop.byteOffset, s.crop.byteLength) : null,
      bestScore: s.bestScore,
      bestPersonId: s.bestPersonId,
    })
    .returning({ id: unknownSightings.id });
  return row!.id;
}

/** Newest first, without embeddings and crops. */
async function listSightings(db: StoreDb, opts: { limit?: number; offset?: number } = {}): Promise<SightingSummary[]> {
  return db
    .select(summary)
    .from(unknownSightings)
    .orderBy(desc(unknownSightings.lastSeenAt), desc(unknownSightings.id))
    .limit(opts.limit ?? 100)
    .offset(opts.offset ?? 0);
}

async function countSightings(db: StoreDb): Promise<number> {
  const [row] = await db.select({ n: count() }).from(unknownSightings);
  return row?.n ?? 0;
}

/** One sighting with embedding and crop; null when there is none with this id. `forUpdate` locks the row (inside a transaction). */
async function getSighting(db: StoreDb, id: string, forUpdate = false): Promise<Sighting | null> {
  if (!isUuid(id)) return null;
  const q = db
    .select({ ...summary, embedding: unknownSightings.embedding, crop: unknownSightings.crop })
    .from(unknownSightings)
    .where(eq(unknownSightings.id, id));
  const [row] = forUpdate ? await q.for('update') : await q;
  return row ? { ...row, embedding: bytesToEmbedding(row.embedding) } : null;
}

async function deleteSighting(db: StoreDb, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const rows = await db.delete(unknownSightings).where(eq(unknownSightings.id, id)).returning({ id: unknownSightings.id });
  return rows.length > 0;
}

/** Retention: deletes sightings last seen more than `retentionDays` before `now`, then all but the newest `maxRows`. 0 = no limit. */
async function pruneSightings(db: StoreDb, opts: { now: Date; retentionDays: number; maxRows: number }): Promise<number> {
  let deleted = 0;
  if (opts.retentionDays > 0) {
    const cutoff = new Date(opts.now.getTime() - opts.retentionDays * 86_400_000);
    deleted += (await db.delete(unknownSightings).where(lt(unknownSightings.lastSeenAt, cutoff)).returning({ id: unknownSightings.id })).length;
  }
  if (opts.maxRows > 0) {
    const excess = db
      .select({ id: unknownSightings.id })
      .from(unknownSightings)
      .orderBy(desc(unknownSightings.lastSeenAt), desc(unknownSightings.id))
      .offset(opts.maxRows);
    deleted += (await db.delete(unknownSightings).where(inArray(unknownSightings.id, excess)).returning({ id: unknownSightings.id })).length;
  }
  return deleted;
}
