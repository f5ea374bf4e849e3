// The gallery's change log (table gallery_changes): every change of faces or people another server must follow, written
// in the same transaction as the change, read back in sequence order by servers catching up (gallery/sync.ts).
import { asc, gt, lte, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { StoreDb } from './drizzle-db.js';
import { galleryChanges } from './schema.js';
import { rowsOf } from './sql-guards.js';

/** One change as logged; parsed on the way out (a row written by another version must not be trusted blindly). */
export const GalleryChangeEntry = z.discriminatedUnion('kind', [
  /** New faces (their embeddings are read from table faces by id, so the log stays small). */
  z.object({ kind: z.literal('faces.added'), faceIds: z.array(z.guid()).min(1) }),
  z.object({ kind: z.literal('faces.removed'), faceIds: z.array(z.guid()).min(1) }),
  z.object({ kind: z.literal('person.removed'), personId: z.guid() }),
  z.object({ kind: z.literal('person.renamed'), personId: z.guid(), name: z.string().min(1) }),
  /** Every face of `fromId` now belongs to `intoId` (called `name`); `fromId` is gone. */
  z.object({ kind: z.literal('people.merged'), intoId: z.guid(), fromId: z.guid(), name: z.string().min(1) }),
  /** The index was rebuilt from the database (an operator asked for it): every server does the same. */
  z.object({ kind: z.literal('rebuilt') }),
]);
export type GalleryChangeEntry = z.infer<typeof GalleryChangeEntry>;

export interface LoggedChange {
  seq: number;
  change: GalleryChangeEntry;
}

/** Advisory-lock namespace of the change log ("GC"): one writer at a time between max(seq) and its commit. */
const LOG_LOCK = sql`pg_advisory_xact_lock(${0x4743}, 0)`;

export function galleryChangesRepo(db: StoreDb) {
  return {
    /**
     * Inside the transaction that made the change: logs it, and returns its sequence. Call it last in the transaction:
     * the lock it takes is held until commit, so sequences commit in order and a reader never sees N+1 before N.
     */
    async record(change: GalleryChangeEntry): Promise<number> {
      await db.execute(sql`select ${LOG_LOCK}`);
      const rows = await db.execute(
        sql`insert into gallery_changes (seq, change) select coalesce(max(seq), 0) + 1, ${JSON.stringify(change)}::jsonb from gallery_changes returning seq`,
      );
      return Number(rowsOf<{ seq: number | string }>(rows)[0]!.seq);
    },

    /** The last sequence logged (0 for none). */
    async head(): Promise<number> {
      const [row] = await db.select({ seq: sql<string | null>`max(${galleryChanges.seq})` }).from(galleryChanges);
      return Number(row?.seq ?? 0);
    },

    /** Up to `limit` changes after `after`, in order. An entry that does not parse is returned as a rebuild. */
    async since(after: number, limit: number): Promise<LoggedChange[]> {
      const rows = await db
        .select({ seq: galleryChanges.seq, change: galleryChanges.change })
        .from(galleryChanges)
        .where(gt(galleryChanges.seq, after))
        .orderBy(asc(galleryChanges.seq))
        .limit(limit);
      return rows.map((r) => {
        const parsed = GalleryChangeEntry.safeParse(r.change);
        return { seq: Number(r.seq), change: parsed.success ? parsed.data : { kind: 'rebuilt' } };
      });
    },

    /** Deletes all but the newest `keep` changes; how many went. */
    async prune(keep: number): Promise<number> {
      const head = await this.head();
      if (head <= keep) return 0;
      const gone = await db
        .delete(galleryChanges)
        .where(lte(galleryChanges.seq, head - keep))
        .returning({ seq: galleryChanges.seq });
      return gone.length;
    },
  };
}

export type GalleryChangesRepo = ReturnType<typeof galleryChangesRepo>;
