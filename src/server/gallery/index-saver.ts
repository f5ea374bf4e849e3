// Saves the gallery's index in the background: a quiet time after changes (at most ten delays after the first unsaved
// one, so a steady stream of changes is saved too), on flush() and at close. One save at a time. A save starts once
// the index's waiting changes are in (index-ops.ts), and while it writes they are held back (the binding would block
// the event loop until the write ends) and applied after, a slice at a time.
import type { FaceTable } from './face-table.js';
import { saveIndex, type IndexFiles } from './index-file.js';
import type { IndexOps } from './index-ops.js';
import type { VectorIndex } from './index-types.js';

/** What is saved: the gallery's current table and index, and where its index changes wait while a save writes. */
export interface SavedState {
  table: FaceTable;
  index: VectorIndex;
  /** The index's changes, in order; held while the index is being written. */
  ops: IndexOps;
}

export interface SaverOptions {
  files: IndexFiles;
  modelId: string;
  dims: number;
  delayMs: number;
  log: { info(msg: string, fields?: Record<string, unknown>): void; warn(msg: string, fields?: Record<string, unknown>): void };
  /** The state to save when a save starts (a reload may have replaced the one that changed). */
  current(): SavedState;
}

export interface IndexSaver {
  /** Something changed since the last save (or load): save after the quiet time. */
  changed(): void;
  /** Saves now if anything changed; resolves when written (or failed, logged). */
  flush(): Promise<void>;
  /** flush(), and no timer from now on. */
  close(): Promise<void>;
}

export const noSaver: IndexSaver = { changed() {}, flush: async () => {}, close: async () => {} };

export function createIndexSaver(o: SaverOptions): IndexSaver {
  /** Changes counted, and the count the last successful save wrote. */
  let changes = 0;
  let saved = 0;
  let saving: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let unsavedSince: number | null = null;
  let closed = false;

  async function save(): Promise<void> {
    const target = o.current();
    if (!target.index.save || changes === saved) return;
    const at = changes;
    // The table and the index match once no change waits: the snapshot is taken there (saveIndex's synchronous
    // start), with the index's changes held from then until the write ends.
    let writing!: Promise<void>;
    await new Promise<void>((granted) =>
      target.ops.holdWhenIdle(() => {
        writing = saveIndex(o.files, o.modelId, o.dims, target.table, target.index);
        granted();
      }),
    );
    const t0 = performance.now();
    try {
      await writing;
      saved = at;
      o.log.info('gallery: saved the index', { file: o.files.index, faces: target.table.faces, ms: Math.round(performance.now() - t0) });
    } catch (err) {
      o.log.warn('gallery: saving the index failed; the next start rebuilds it from the database', { file: o.files.index, error: String(err) });
    } finally {
      target.ops.release();
    }
  }

  function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = null;
    unsavedSince = null;
    // The first save starts at once (changes made after flush() returns are held back until its write ends); a flush
    // during one saves again afterwards, if more changed meanwhile.
    const run: Promise<void> = (saving ? saving.then(save) : save()).finally(() => {
      if (saving === run) saving = null;
    });
    saving = run;
    return run;
  }

  return {
    changed() {
      changes++;
      if (closed) return;
      if (timer) clearTimeout(timer);
      const now = Date.now();
      unsavedSince ??= now;
      const wait = Math.max(0, Math.min(o.delayMs, unsavedSince + 10 * o.delayMs - now));
      timer = setTimeout(() => void flush(), wait);
      timer.unref();
    },
    flush,
    async close() {
      closed = true;
      await flush();
    },
  };
}
