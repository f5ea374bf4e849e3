// Unknown sightings on the drizzle db: insert, list, read, delete, retention, and the transactional "take" used when
// an operator promotes a sighting to a person or attaches it to one (src/server/attendance/sightings.ts).
import { count, desc, eq, inArray, lt } from 'drizzle-orm';
import { bytesToEmbedding, embeddingToBytes } from './embedding-bytes.js';
import type { StoreDb } from './queries.js';
import { unknownSightings } from './schema.js';

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

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const summary = {
  id: unknownSightings.id,
  firstSeenAt: unknownSightings.firstSeenAt,
  lastSeenAt: unknownSightings.lastSeenAt,
  camera: unknownSightings.camera,
  modelId: unknownSightings.modelId,
  bestScore: unknownSightings.bestScore,
  bestPersonId: unknownSightings.bestPersonId,
};

export async function insertSighting(db: StoreDb, s: NewSighting): Promise<string> {
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
export async function listSightings(db: StoreDb, opts: { limit?: number; offset?: number } = {}): Promise<SightingSummary[]> {
  return db
    .select(summary)
    .from(unknownSightings)
    .orderBy(desc(unknownSightings.lastSeenAt), desc(unknownSightings.id))
    .limit(opts.limit ?? 100)
    .offset(opts.offset ?? 0);
}

export async function countSightings(db: StoreDb): Promise<number> {
  const [row] = await db.select({ n: count() }).from(unknownSightings);
  return row?.n ?? 0;
}

/** One sighting with embedding and crop; null when there is none with this id. `forUpdate` locks the row (inside a transaction). */
export async function getSighting(db: StoreDb, id: string, forUpdate = false): Promise<Sighting | null> {
  if (!UUID_RE.test(id)) return null;
  const q = db
    .select({ ...summary, embedding: unknownSightings.embedding, crop: unknownSightings.crop })
    .from(unknownSightings)
    .where(eq(unknownSightings.id, id));
  const [row] = forUpdate ? await q.for('update') : await q;
  return row ? { ...row, embedding: bytesToEmbedding(row.embedding) } : null;
}

export async function deleteSighting(db: StoreDb, id: string): Promise<boolean> {
  if (!UUID_RE.test(id)) return false;
  const rows = await db.delete(unknownSightings).where(eq(unknownSightings.id, id)).returning({ id: unknownSightings.id });
  return rows.length > 0;
}

/** Retention: deletes sightings last seen more than `retentionDays` before `now`, then all but the newest `maxRows`. 0 = no limit. */
export async function pruneSightings(db: StoreDb, opts: { now: Date; retentionDays: number; maxRows: number }): Promise<number> {
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
