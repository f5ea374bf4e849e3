// FAISS layouts behind VectorIndex: exact (IDMap over a flat index) below the ANN threshold, IVF or HNSW from it on,
// and, for the upstream faiss-node (no ids, number[] only), a flat index with a position -> id map in JS. The first
// three save to and load from a FAISS index file (write_index / read_index on the binding's thread pool).
import { yieldToLive } from '../live-work.js';
import { legacyIndex } from './faiss-legacy.js';
import { checked, hits, type FaissModule, type NativeIndex } from './faiss-native.js';

export type { FaissModule } from './faiss-native.js';
import type { AnnOptions, IndexLayout, IndexPlan, SavedIndex, VectorIndex } from './index-types.js';

const INNER_PRODUCT = 0;
/** HNSW graph degree and build breadth: M 32 and efConstruction 80 (bench/gallery.ts). */
const HNSW_M = 32;
const HNSW_EF_CONSTRUCTION = 80;
/** IVF training points per list: FAISS warns under 39. */
const IVF_TRAIN_PER_LIST = 40;
/**
 * Vectors per synchronous IVF add while building: ~12 ms of the event loop at 1M faces on a busy core (4,096 held a
 * camera ~0.1 s at each slice of a rebuild, which a growing import makes at 4x steps).
 */
const IVF_ADD_SLICE = 512;
/**
 * IVF lists compacted between turns of the event loop after a build: at 1M faces a list holds ~500 vectors (640 KB),
 * so a slice copies ~20 MB. The whole pass at once held the event loop for the copy of every list.
 */
const COMPACT_SLICE_LISTS = 32;

/**
 * IVF lists per square root of the gallery's faces. With the default model's 320 dims at 1M faces (bench/gallery.ts,
 * quiet machine, nprobe 12): 1 (1,000 lists) scanned ~12k vectors a search, top-5 p99 10.6 ms; 2 (2,000 lists) p99
 * 4.6 ms at the same recall@1 (0.995) and a 31 s build instead of 20; 4 (4,000 lists, nprobe 16) p99 4.5 ms but a
 * 65 s build (its k-means grows with the lists squared).
 */
const IVF_LISTS_PER_SQRT = 2;

/** About 2 sqrt(n) lists: a probe then scans ~ nprobe * sqrt(n) / 2 vectors. */
export function ivfLists(count: number): number {
  return Math.max(16, Math.min(4096, Math.round(IVF_LISTS_PER_SQRT * Math.sqrt(count))));
}

/** The layout a gallery of `count` faces gets: exact below the ANN threshold, else the configured ANN kind. */
export function layoutFor(ann: AnnOptions, count: number): IndexLayout {
  return ann.minFaces > 0 && count >= ann.minFaces ? ann.kind : 'flat';
}

export function createFaissIndex(faiss: FaissModule, name: string, dims: number, ann: AnnOptions, plan?: IndexPlan): VectorIndex {
  if (typeof (faiss.IndexFlatIP.prototype as Partial<NativeIndex>).addWithIds !== 'function') return legacyIndex(faiss, name, dims);
  const count = plan?.count ?? 0;
  const layout = plan === undefined ? 'flat' : layoutFor(ann, count);
  // IDMap, not IDMap2: IDMap2 rebuilds its reverse map of every id on each removal (10 ms at 20k faces).
  if (layout === 'flat') return flatIndex(faiss.Index.fromFactory(dims, 'IDMap,Flat', INNER_PRODUCT), name, dims, ann);
  if (layout === 'hnsw') return hnswIndex(newHnsw(faiss, dims, ann), name, dims, ann, count, new Set(), new Set());
  const lists = ivfLists(count);
  return ivfIndex(faiss.Index.fromFactory(dims, `IVF${lists},Flat`, INNER_PRODUCT), name, dims, ann, count, lists, plan!);
}

/**
 * Reads an index file written by save() back into the layout it was saved as. Throws when the file does not hold a
 * FAISS index of this kind and size: the gallery then rebuilds from the database.
 */
export async function loadFaissIndex(faiss: FaissModule, name: string, dims: number, ann: AnnOptions, file: string, saved: SavedIndex): Promise<VectorIndex> {
  if (!faiss.Index.readAsync) throw new Error(`${name} cannot read index files`);
  const index = await faiss.Index.readAsync(file);
  const d = index.describe!();
  if (d.dims !== dims || d.metric !== INNER_PRODUCT)
    throw new Error(`the index file holds ${d.dims}-d vectors (metric ${d.metric}), the gallery needs ${dims}-d inner product`);
  const want = { flat: 'flat', ivf: 'ivf', hnsw: 'hnsw' }[saved.layout as 'flat' | 'ivf' | 'hnsw'];
  if (d.kind !== want || (saved.layout !== 'ivf' && !d.idMap)) throw new Error(`the index file holds a ${d.kind} index, its metadata says ${saved.layout}`);
  const expected = saved.layout === 'hnsw' ? saved.live.length + saved.dead.length : saved.live.length;
  if (d.ntotal !== expected) throw new Error(`the index file holds ${d.ntotal} vectors, its metadata ${expected}`);
  if (saved.layout === 'flat') return flatIndex(index, name, dims, ann);
  if (saved.layout === 'hnsw') {
    index.setEfSearch!(ann.efSearch);
    return hnswIndex(index, name, dims, ann, saved.planned, new Set(saved.live), new Set(saved.dead));
  }
  return ivfIndex(index, name, dims, ann, saved.planned, d.nlist!, null);
}

function saver(index: NativeIndex, layout: IndexLayout, planned: number) {
  return async (file: string) => {
    if (!index.writeAsync) throw new Error('this FAISS binding cannot write index files');
    await index.writeAsync(file);
    return { layout, planned };
  };
}

/** An index far outside the size its layout was planned for is rebuilt (IVF lists too long or too short). */
const outgrown = (ann: AnnOptions, count: number) => (n: number) => n > 4 * count || n < Math.min(count / 4, ann.minFaces / 2);

function flatIndex(index: NativeIndex, name: string, dims: number, ann: AnnOptions): VectorIndex {
  const flat = idIndex(index, `faiss:flat (${name})`, dims, () => ann.minFaces > 0 && index.ntotal() >= 2 * ann.minFaces);
  // Set, not spread: a spread would copy the size and stale getters' values of this moment.
  flat.save = saver(index, 'flat', 0);
  return flat;
}

function newHnsw(faiss: FaissModule, dims: number, ann: AnnOptions): NativeIndex {
  const index = faiss.Index.fromFactory(dims, `IDMap,HNSW${HNSW_M}`, INNER_PRODUCT);
  index.setEfConstruction!(HNSW_EF_CONSTRUCTION);
  index.setEfSearch!(ann.efSearch);
  return index;
}

/** `plan` is null for an index loaded from a file (already trained). */
function ivfIndex(index: NativeIndex, name: string, dims: number, ann: AnnOptions, count: number, lists: number, plan: IndexPlan | null): VectorIndex {
  const tooFar = outgrown(ann, count);
  let nprobe = Math.min(ann.nprobe, lists);
  index.setNprobe!(nprobe);
  // Trained on the first add, so that a build with addAsync trains off the event loop too. The plan is let go once
  // the sample is taken: it reaches every template of the build (at 1M faces, 0.5 GB of embeddings and 1M objects).
  let sampler: IndexPlan | null = plan;
  const sample = () => {
    const s = sampler!.sample(lists * IVF_TRAIN_PER_LIST);
    sampler = null;
    return s;
  };
  let training: Promise<void> | null = null;
  const base = idIndex(index, '', dims, () => tooFar(index.ntotal()));
  return {
    ...base,
    save: saver(index, 'ivf', count),
    add(ids, vectors) {
      if (!index.isTrained()) index.train!(sample());
      base.add(ids, vectors);
    },
    async addAsync(ids, vectors) {
      if (!index.isTrained()) await (training ??= index.trainAsync ? index.trainAsync(sample()) : Promise.resolve(index.train!(sample())));
      // Training runs on the thread pool; the adds run here, in slices with a turn of the event loop between them.
      // Added from pool threads, the lists grew in glibc's per-thread arenas and stayed fragmented: RSS 4x the
      // vectors at 300k faces instead of 3x.
      for (let i = 0; i < ids.length; i += IVF_ADD_SLICE) {
        if (i > 0) await yieldToLive();
        base.add(ids.subarray(i, i + IVF_ADD_SLICE), vectors.subarray(i * dims, (i + IVF_ADD_SLICE) * dims));
      }
    },
    get backend() {
      return `faiss:IVF${lists},Flat nprobe=${nprobe} (${name})`;
    },
    get size() {
      return index.ntotal();
    },
    get stale() {
      return tooFar(index.ntotal());
    },
    compact: () => void index.compact?.(),
    async compactAsync() {
      if (!index.compact) return;
      for (let from = 0; from < lists; from += COMPACT_SLICE_LISTS) {
        if (from > 0) await yieldToLive();
        index.compact(from, Math.min(lists, from + COMPACT_SLICE_LISTS));
      }
    },
    setSearchBreadth(n) {
      index.setNprobe!((nprobe = Math.min(n, lists)));
    },
  };
}

/** Indexes whose removal FAISS does in place: IDMap over a flat index, and IVF (which keeps ids in its lists). */
function idIndex(index: NativeIndex, backend: string, dims: number, stale: () => boolean): VectorIndex {
  return {
    backend,
    get size() {
      return index.ntotal();
    },
    get stale() {
      return stale();
    },
    add(ids, vectors) {
      checked(dims, ids, vectors);
      if (ids.length > 0) index.addWithIds!(vectors, ids);
    },
    async addAsync(ids, vectors) {
      checked(dims, ids, vectors);
      if (ids.length === 0) return;
      if (index.addWithIdsAsync) await index.addWithIdsAsync(vectors, ids);
      else index.addWithIds!(vectors, ids);
    },
    remove(ids) {
      if (ids.length > 0) index.removeIds(ids);
    },
    compact: () => void index.compact?.(),
    search(query, k) {
      if (query.length !== dims) throw new Error(`query has ${query.length} dims, index has ${dims}`);
      const n = index.ntotal();
      if (n === 0 || k <= 0) return [];
      return hits(index.search(query, Math.min(k, n)));
    },
    async searchAsync(query, k) {
      if (query.length !== dims) throw new Error(`query has ${query.length} dims, index has ${dims}`);
      const n = index.ntotal();
      if (n === 0 || k <= 0) return [];
      return hits(await index.searchAsync!(query, Math.min(k, n)));
    },
  };
}

/**
 * HNSW cannot remove: removed ids are skipped in results until the gallery rebuilds (stale past 10% removed). A saved
 * graph still holds its removed ids: the gallery passes them back as `removed` when it loads one.
 */
function hnswIndex(index: NativeIndex, name: string, dims: number, ann: AnnOptions, count: number, present: Set<number>, removed: Set<number>): VectorIndex {
  const tooFar = outgrown(ann, count);
  let efSearch = ann.efSearch;
  return {
    save: saver(index, 'hnsw', count),
    get backend() {
      return `faiss:HNSW${HNSW_M} efSearch=${efSearch} (${name})`;
    },
    setSearchBreadth(n) {
      index.setEfSearch!((efSearch = n));
    },
    get size() {
      return index.ntotal() - removed.size;
    },
    get stale() {
      return removed.size > 0.1 * index.ntotal() || tooFar(index.ntotal() - removed.size);
    },
    add(ids, vectors) {
      checked(dims, ids, vectors);
      // A removed id cannot come back into the graph under the same id: FAISS would hold it twice.
      for (const id of ids) if (removed.has(id) || present.has(id)) throw new Error(`id ${id} was already used in this index`);
      if (ids.length === 0) return;
      index.addWithIds!(vectors, ids);
      for (const id of ids) present.add(id);
    },
    async addAsync(ids, vectors) {
      checked(dims, ids, vectors);
      for (const id of ids) if (removed.has(id) || present.has(id)) throw new Error(`id ${id} was already used in this index`);
      if (ids.length === 0) return;
      // The graph is the slow part of HNSW (tens of seconds per 100k): built on the thread pool.
      if (index.addWithIdsAsync) await index.addWithIdsAsync(vectors, ids);
      else index.addWithIds!(vectors, ids);
      for (const id of ids) present.add(id);
    },
    remove(ids) {
      for (const id of ids) if (present.delete(id)) removed.add(id);
    },
    search(query, k) {
      if (query.length !== dims) throw new Error(`query has ${query.length} dims, index has ${dims}`);
      const n = index.ntotal();
      if (n === 0 || k <= 0) return [];
      // Over-fetch by the removed count (bounded), and again while removed ids crowd out the k asked for.
      for (let fetch = Math.min(n, k + Math.min(removed.size, 4 * k)); ; fetch = Math.min(n, fetch * 4)) {
        const found = hits(index.search(query, fetch), removed);
        if (found.length >= k || fetch >= n) return found.slice(0, k);
      }
    },
  };
}
