// Recognition history (table recognitions): recent recognitions of known people with their face, listed by person and
// camera, bounded by retention; "not them" hides one (restorable for a while, then deleted), and the gallery service
// takes one to make it a face.
import { and, count, desc, eq, gte, inArray, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import type { StoreDb } from './drizzle-db.js';
import { bytesToEmbedding, embeddingToBytes } from './embedding-bytes.js';
import { people, recognitions } from './schema.js';
import { isUuid } from './sql-guards.js';

export interface NewRecognition {
  personId: string;
  camera: string;
  seenAt: Date;
  score: number;
  modelId: string;
  embedding: Float32Array;
  crop: Uint8Array | null;
}

export interface RecognitionSummary {
  id: string;
  personId: string;
  personName: string;
  camera: string;
  seenAt: Date;
  score: number;
  hasCrop: boolean;
}

const r = recognitions;

/** What a recognition summary reads (list and restore alike): the record, its person's name, whether it has a crop. */
const summaryColumns = {
  id: r.id,
  personId: r.personId,
  personName: people.name,
  camera: r.camera,
  seenAt: r.seenAt,
  score: r.score,
  hasCrop: sql<boolean>`${r.crop} is not null`,
};
const shown = isNull(r.dismissedAt);

export interface RecognitionsPruneOptions {
  now: Date;
  retentionDays: number;
  maxRows: number;
  /** Records dismissed ("not them") before this are deleted: their undo window is over. */
  dismissedBefore?: Date;
}

export function recognitionsRepo(db: StoreDb) {
  return {
    async insert(n: NewRecognition): Promise<string> {
      const [row] = await db
        .insert(r)
        .values({ ...n, dims: n.embedding.length, embedding: embeddingToBytes(n.embedding), crop: n.crop ? Buffer.from(n.crop) : null })
        .returning({ id: r.id });
      return row!.id;
    },

    /** Newest first. */
    async list(q: { personId?: string; camera?: string; limit: number; offset: number }): Promise<{ items: RecognitionSummary[]; total: number }> {
      if (q.personId !== undefined && !isUuid(q.personId)) return { items: [], total: 0 };
      const where = and(shown, q.personId ? eq(r.personId, q.personId) : undefined, q.camera !== undefined ? eq(r.camera, q.camera) : undefined);
      const items = await db
        .select(summaryColumns)
        .from(r)
        .innerJoin(people, eq(people.id, r.personId))
        .where(where)
        .orderBy(desc(r.seenAt), desc(r.id))
        .limit(q.limit)
        .offset(q.offset);
      const [n] = await db.select({ n: count() }).from(r).where(where);
      return { items, total: n?.n ?? 0 };
    },

    async crop(id: string): Promise<Buffer | null> {
      if (!isUuid(id)) return null;
      const [row] = await db.select({ crop: r.crop }).from(r).where(eq(r.id, id));
      return row?.crop ?? null;
    },

    /** With its embedding; `forUpdate` locks the row (inside a transaction). A dismissed record is not found. */
    async get(id: string, forUpdate = false) {
      if (!isUuid(id)) return null;
      const q = db
        .select({ id: r.id, personId: r.personId, personName: people.name, modelId: r.modelId, embedding: r.embedding, crop: r.crop })
        .from(r)
        .innerJoin(people, eq(people.id, r.personId))
        .where(and(eq(r.id, id), shown));
      const [row] = forUpdate ? await q.for('update', { of: r }) : await q;
      return row ? { ...row, embedding: bytesToEmbedding(row.embedding) } : null;
    },

    async delete(id: string): Promise<boolean> {
      if (!isUuid(id)) return false;
      return (await db.delete(r).where(eq(r.id, id)).returning({ id: r.id })).length > 0;
    },

    /** "Not them": hides a shown record from `at` on. False when there is none (or it is already dismissed). */
    async dismiss(id: string, at: Date): Promise<boolean> {
      if (!isUuid(id)) return false;
      return (
        (
          await db
            .update(r)
            .set({ dismissedAt: at })
            .where(and(eq(r.id, id), shown))
            .returning({ id: r.id })
        ).length > 0
      );
    },

    /** Undoes a dismissal made at or after `since`; returns the record shown again, or null (none, or too late). */
    async restore(id: string, since: Date): Promise<RecognitionSummary | null> {
      if (!isUuid(id)) return null;
      const [row] = await db
        .update(r)
        .set({ dismissedAt: null })
        .where(and(eq(r.id, id), isNotNull(r.dismissedAt), gte(r.dismissedAt, since)))
        .returning({ id: r.id });
      if (!row) return null;
      const [item] = await db.select(summaryColumns).from(r).innerJoin(people, eq(people.id, r.personId)).where(eq(r.id, row.id));
      return item ?? null;
    },

    /** Retention: dismissed past their undo window, older than `retentionDays`, then all but the newest `maxRows` (0 = no limit). Returns rows deleted. */
    async prune(opts: RecognitionsPruneOptions): Promise<number> {
      let deleted = 0;
      if (opts.dismissedBefore)
        deleted += (
          await db
            .delete(r)
            .where(and(isNotNull(r.dismissedAt), lt(r.dismissedAt, opts.dismissedBefore)))
            .returning({ id: r.id })
        ).length;
      if (opts.retentionDays > 0) {
        const cutoff = new Date(opts.now.getTime() - opts.retentionDays * 86_400_000);
        deleted += (await db.delete(r).where(lt(r.seenAt, cutoff)).returning({ id: r.id })).length;
      }
      if (opts.maxRows > 0) {
        const excess = db.select({ id: r.id }).from(r).orderBy(desc(r.seenAt), desc(r.id)).offset(opts.maxRows);
        deleted += (await db.delete(r).where(inArray(r.id, excess)).returning({ id: r.id })).length;
      }
      return deleted;
    },
  };
}

export type RecognitionsRepo = ReturnType<typeof recognitionsRepo>;
