// The gallery: every enrolled face embedding in a vector index, with the map from index ids to people.
// The database is the source of truth; the index is a cache rebuilt from it at start and kept in step on enrol/delete.
// A reload reads the database while enrolments go on committing: changes made while it runs are replayed onto the
// new index before it replaces the old one, so index = database holds however the two interleave (issue 8, item 6).
// With `persist`, the index is saved under a directory (debounced after changes, and at close) and loaded at start
// when it holds exactly the database's faces (index-file.ts); otherwise it is rebuilt and the reason logged.
import type { FaceTemplate, Store } from '../store/types.js';
import { FaceTable, type FaceRef } from './face-table.js';
import { indexFiles, loadIndex } from './index-file.js';
import { INDEX_OP_SLICE_FACES, IndexOps } from './index-ops.js';
import { createIndexSaver, noSaver, type SavedState } from './index-saver.js';
import type { IndexFactory, SearchHit, VectorIndex } from './index-types.js';

export interface Match {
  personId: string;
  name: string;
  /** Best cosine similarity over all of this person's embeddings. */
  score: number;
}

export interface GalleryStats {
  people: number;
  faces: number;
  dims: number;
  modelId: string;
  backend: string;
}

export interface Gallery {
  /** The best candidates, one per person, highest score first (threshold not applied). */
  search(embedding: Float32Array, people?: number): Match[];
  /** search() off the event loop where the index can (FAISS), else the same search inline. */
  searchAsync(embedding: Float32Array, people?: number): Promise<Match[]>;
  /** The best person at or above `threshold`, else null. */
  identify(embedding: Float32Array, threshold: number): Match | null;
  /** identify() off the event loop where the index can (FAISS), else inline. */
  identifyAsync(embedding: Float32Array, threshold: number): Promise<Match | null>;
  /**
   * Faces already in the gallery (same face id) are skipped. Up to INDEX_OP_SLICE_FACES faces are searchable at once
   * when no earlier change waits; a larger add goes in a slice at a time between live frames (settled()).
   */
  add(templates: FaceTemplate[]): void;
  /** Resolves once every change made so far is in the index (a large add is applied a slice at a time). */
  settled(): Promise<void>;
  /** Forgets a person at once, without a rebuild. */
  removePerson(personId: string): void;
  /** Forgets single faces, without a rebuild. */
  removeFaces(faceIds: string[]): void;
  /** A person's new name, without a rebuild (no vector changes). */
  renamePerson(personId: string, name: string): void;
  /** Every face of `fromId` now belongs to `intoId` (called `name`), without a rebuild (no vector changes). */
  movePerson(fromId: string, intoId: string, name: string): void;
  /**
   * The change-log sequence read just before the database snapshot the index was last built or loaded from: every
   * change up to it is in the index (0 without `changeHead`).
   */
  builtThrough(): number;
  /** Full builds from the database since start (the first one, or a load, included). */
  builds(): number;
  /** Rebuilds the index from the database; concurrent calls share one rebuild that starts after the call. */
  reload(): Promise<void>;
  /** O(1). */
  stats(): GalleryStats;
  /** Saves the index now if it changed since it was last saved or loaded (no-op without `persist`). */
  flush(): Promise<void>;
  /** Stops the save timer and saves what changed; the gallery keeps answering searches. */
  close(): Promise<void>;
}

export interface GalleryPersistence {
  /** Where the index files live (one pair per model). */
  dir: string;
  /** The faces of a model without their embeddings: enough to check and restore a saved index. */
  listFaceRefs(modelId: string): Promise<FaceRef[]>;
  /** Quiet time after a change before the index is saved (a burst of enrolments is one save). */
  saveDelayMs: number;
  log: { info(msg: string, fields?: Record<string, unknown>): void; warn(msg: string, fields?: Record<string, unknown>): void };
}

export interface GalleryOptions {
  store: Pick<Store, 'listFaceTemplates'>;
  modelId: string;
  dims: number;
  indexFactory: IndexFactory;
  /** Told when an index outgrew its layout and a background rebuild failed. */
  onRebuildError?: (err: unknown) => void;
  persist?: GalleryPersistence;
  /** The change log's last sequence (store.changes.head), read before each snapshot of the database. */
  changeHead?: () => Promise<number>;
}

/** How many nearest faces to fetch per wanted person at least: people have several faces each. */
const FACES_PER_PERSON = 8;
/** Faces added to a new index per step; the event loop gets a turn between steps. */
const BUILD_CHUNK = 16_384;

type Change =
  | { kind: 'add'; templates: FaceTemplate[] }
  | { kind: 'removePerson'; personId: string }
  | { kind: 'removeFaces'; faceIds: string[] }
  | { kind: 'rename'; personId: string; name: string }
  | { kind: 'move'; fromId: string; intoId: string; name: string };

/**
 * `ops`: the index's changes, in order (index-ops.ts): held back while the index is written to disk
 * (index-saver.ts), a large add a slice at a time. The table changes at once: a removed face is skipped from then on,
 * an added one is found once its slice is in the index.
 */
type State = SavedState;

function apply(state: State, change: Change): void {
  // Names and owners live in the table only: the index holds vectors by label, which these do not touch.
  if (change.kind === 'rename') return void state.table.renamePerson(change.personId, change.name);
  if (change.kind === 'move') return state.table.movePerson(change.fromId, change.intoId, change.name);
  if (change.kind === 'add') {
    const { ids, vectors } = state.table.add(change.templates);
    const { dims } = state.table;
    const ops: (() => void)[] = [];
    for (let i = 0; i < ids.length; i += INDEX_OP_SLICE_FACES) {
      const sliceIds = ids.subarray(i, i + INDEX_OP_SLICE_FACES);
      const sliceVectors = vectors.subarray(i * dims, (i + INDEX_OP_SLICE_FACES) * dims);
      ops.push(() => state.index.add(sliceIds, sliceVectors));
    }
    return state.ops.run(ops);
  }
  const labels = change.kind === 'removePerson' ? state.table.removePerson(change.personId) : state.table.removeFaces(change.faceIds);
  state.ops.run([() => state.index.remove(labels)]);
}

export async function createGallery(opts: GalleryOptions): Promise<Gallery> {
  const { store, modelId, dims, indexFactory, persist } = opts;
  const files = persist ? indexFiles(persist.dir, modelId) : null;

  /** An index change that threw (a bug, not bad input: templates are checked first) is logged, and the rest go on. */
  const newOps = () =>
    new IndexOps((err) =>
      persist ? persist.log.warn('gallery: an index change failed; a rebuild repairs it', { error: String(err) }) : opts.onRebuildError?.(err),
    );

  async function build(templates: FaceTemplate[]): Promise<State> {
    const table = new FaceTable(dims);
    table.check(templates);
    const sample = (max: number) => {
      const n = Math.min(max, templates.length);
      const out = new Float32Array(n * dims);
      for (let i = 0; i < n; i++) out.set(templates[Math.floor((i * templates.length) / n)]!.embedding, i * dims);
      return out;
    };
    const index = indexFactory(dims, { count: templates.length, sample });
    for (let i = 0; i < templates.length; i += BUILD_CHUNK) {
      const { ids, vectors } = table.add(templates.slice(i, i + BUILD_CHUNK));
      // FAISS trains and adds on its thread pool; the JS index gives the event loop a turn between chunks.
      if (index.addAsync) await index.addAsync(ids, vectors);
      else {
        index.add(ids, vectors);
        await new Promise((r) => setImmediate(r));
      }
    }
    if (index.compactAsync) await index.compactAsync();
    else index.compact?.();
    return { table, index, ops: newOps() };
  }

  /** The saved index when it matches the database, else a build from every embedding (the reason logged). */
  async function open(): Promise<State> {
    through = (await opts.changeHead?.()) ?? 0;
    builds += 1;
    if (!persist || !files) return build(await store.listFaceTemplates(modelId));
    const t0 = performance.now();
    const loaded = await loadIndex(files, modelId, dims, indexFactory, () => persist.listFaceRefs(modelId));
    if (loaded.ok) {
      persist.log.info('gallery: loaded the saved index', { file: files.index, faces: loaded.table.faces, ms: Math.round(performance.now() - t0) });
      return { table: loaded.table, index: loaded.index, ops: newOps() };
    }
    persist.log.warn(`gallery: rebuilding the index from the database: ${loaded.reason}`, { file: files.index });
    rebuiltAtOpen = true;
    return build(await store.listFaceTemplates(modelId));
  }

  let rebuiltAtOpen = false;
  let through = 0;
  let builds = 0;
  const saver = persist && files ? createIndexSaver({ files, modelId, dims, delayMs: persist.saveDelayMs, log: persist.log, current: () => state }) : noSaver;

  let state = await open();
  // A rebuilt index is saved soon, in the background: the next start loads it.
  if (rebuiltAtOpen) saver.changed();
  /** Changes made while a reload runs, to replay onto its new state; null when none runs. */
  let journal: Change[] | null = null;
  let running: Promise<void> | null = null;
  let queued: Promise<void> | null = null;

  async function rebuild(): Promise<void> {
    // The journal opens before the query is sent: whatever commits after the query's snapshot was taken reaches
    // add()/remove*() after this point, so it is either in the rows read or in the journal (or both: adds skip
    // faces already there, removals of absent faces do nothing).
    journal = [];
    try {
      const head = (await opts.changeHead?.()) ?? 0;
      const next = await build(await store.listFaceTemplates(modelId));
      for (const change of journal) apply(next, change);
      state = next;
      through = Math.max(through, head);
      builds += 1;
      saver.changed();
    } finally {
      journal = null;
    }
  }

  function reload(): Promise<void> {
    if (!running) {
      running = rebuild().finally(() => (running = null));
      return running;
    }
    // One rebuild at a time; every caller that came during one shares the next, which sees all their changes.
    queued ??= running.then(
      () => ((queued = null), reload()),
      () => ((queued = null), reload()),
    );
    return queued;
  }

  function change(c: Change): void {
    apply(state, c);
    saver.changed();
    journal?.push(c);
    if (state.index.stale && !running) reload().catch((err) => opts.onRebuildError?.(err));
  }

  /**
   * Fetches nearest faces until enough distinct people are found: one person with many close faces can fill a page.
   * One person needs one face (the best face's person is the best person); more need about their faces each.
   * `fetch` is the index's search, inline or off the event loop; the loop is written once for both.
   */
  function* people(embedding: Float32Array, wanted: number): Generator<{ index: VectorIndex; k: number }, Match[], SearchHit[]> {
    const { table, index } = state;
    if (wanted <= 0 || table.faces === 0) return [];
    const perPerson = Math.max(FACES_PER_PERSON, 2 * Math.ceil(table.faces / Math.max(1, table.people)));
    let k = Math.min(table.faces, wanted === 1 ? 1 : wanted * perPerson);
    for (;;) {
      const hits = yield { index, k };
      const best = new Map<string, Match>();
      for (const hit of hits) {
        // Looked up after the search: a face removed meanwhile (async) is skipped, not misnamed.
        const person = table.person(hit.id);
        if (!person) continue;
        const prev = best.get(person.personId);
        if (!prev || hit.score > prev.score) best.set(person.personId, { personId: person.personId, name: person.name, score: hit.score });
      }
      // Stop when enough people were found, the whole index was fetched, or the (approximate) index ran out of reach.
      if (best.size >= wanted || k >= index.size || hits.length < k) return [...best.values()].sort((a, b) => b.score - a.score).slice(0, wanted);
      k = Math.min(index.size, k * 4);
    }
  }

  function search(embedding: Float32Array, wanted = 5): Match[] {
    const run = people(embedding, wanted);
    for (let step = run.next(); ;) {
      if (step.done) return step.value;
      step = run.next(step.value.index.search(embedding, step.value.k));
    }
  }

  async function searchAsync(embedding: Float32Array, wanted = 5): Promise<Match[]> {
    const run = people(embedding, wanted);
    for (let step = run.next(); ;) {
      if (step.done) return step.value;
      const { index, k } = step.value;
      step = run.next(index.searchAsync ? await index.searchAsync(embedding, k) : index.search(embedding, k));
    }
  }

  return {
    search,
    searchAsync,
    identify(embedding, threshold) {
      const top = search(embedding, 1)[0];
      return top && top.score >= threshold ? top : null;
    },
    async identifyAsync(embedding, threshold) {
      const top = (await searchAsync(embedding, 1))[0];
      return top && top.score >= threshold ? top : null;
    },
    add(templates) {
      state.table.check(templates);
      if (templates.length > 0) change({ kind: 'add', templates });
    },
    settled: () => state.ops.idle(),
    removePerson(personId) {
      change({ kind: 'removePerson', personId });
    },
    removeFaces(faceIds) {
      if (faceIds.length > 0) change({ kind: 'removeFaces', faceIds });
    },
    renamePerson(personId, name) {
      change({ kind: 'rename', personId, name });
    },
    movePerson(fromId, intoId, name) {
      change({ kind: 'move', fromId, intoId, name });
    },
    builtThrough: () => through,
    builds: () => builds,
    reload,
    stats() {
      return { people: state.table.people, faces: state.table.faces, dims, modelId, backend: state.index.backend };
    },
    flush: () => saver.flush(),
    close: () => saver.close(),
  };
}
