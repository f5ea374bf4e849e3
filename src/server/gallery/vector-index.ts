// The nearest-neighbour index behind the gallery: FAISS when its native addon loads, else an exact JS scan.
// Vectors carry integer ids chosen by the gallery, so ids stay stable across adds and removals. Inner product over
// L2-normalised vectors: scores are cosine similarities.
import { createRequire } from 'node:module';
import { createFaissIndex, layoutFor, loadFaissIndex, type FaissModule } from './faiss-index.js';
import { createJsIndexOfSize, loadJsIndex } from './js-index.js';

const require = createRequire(import.meta.url);

export interface SearchHit {
  /** The id the vector was added with. */
  id: number;
  score: number;
}

export interface VectorIndex {
  readonly backend: string;
  readonly size: number;
  /**
   * True once the index has outgrown the layout it was built for (an exact index past the ANN threshold, an ANN
   * index grown far past what it was trained on, or one holding many removed vectors): the gallery rebuilds it.
   */
  readonly stale: boolean;
  /** vectors holds ids.length rows of dims floats; ids are unique integers in [0, 2^53). */
  add(ids: Float64Array, vectors: Float32Array): void;
  /** add() on the FAISS binding's thread pool (training first, where the layout needs it): builds off the event loop. */
  addAsync?(ids: Float64Array, vectors: Float32Array): Promise<void>;
  /** Forgets these ids (unknown ones are ignored), without a rebuild. */
  remove(ids: Float64Array): void;
  /** The k best hits, best first; fewer when the index holds (or, approximate, reaches) fewer. */
  search(query: Float32Array, k: number): SearchHit[];
  /** Gives back memory a bulk build left unused (FAISS IVF lists grow by doubling). */
  compact?(): void;
  /** IVF nprobe / HNSW efSearch, changed on a built index (bench/gallery.ts sweeps it). */
  setSearchBreadth?(n: number): void;
  /** The same search off the event loop (the FAISS binding's thread pool), where the binding offers it. */
  searchAsync?(query: Float32Array, k: number): Promise<SearchHit[]>;
  /**
   * Writes the index to `file` (off the event loop where the binding can); what it returns is kept beside the file to
   * load it back. Changes must wait until it resolves (the gallery holds them back meanwhile).
   */
  save?(file: string): Promise<SavedLayout>;
}

export type IndexLayout = 'flat' | 'ivf' | 'hnsw' | 'js';

export interface SavedLayout {
  layout: IndexLayout;
  /** The face count the layout was planned for (IVF lists, the size past which it counts as outgrown). */
  planned: number;
}

/** A saved layout with the ids its file holds: those in the gallery, and (HNSW) removed ones still in the graph. */
export interface SavedIndex extends SavedLayout {
  live: Float64Array;
  dead: Float64Array;
}

/** What the gallery is about to add right after creating the index: ANN indexes train on the sample. */
export interface IndexPlan {
  /** How many vectors the index will hold once built. */
  count: number;
  /** Up to `max` of those vectors spread over all of them (rows of dims floats), for training. */
  sample(max: number): Float32Array;
}

export interface IndexFactory {
  (dims: number, plan?: IndexPlan): VectorIndex;
  /** Reads back what save() wrote; throws when the file does not hold that index. Absent: nothing is persisted. */
  load?(file: string, dims: number, saved: SavedIndex): Promise<VectorIndex>;
  /** The layout this factory builds for `count` faces: a saved index of another layout is rebuilt, not loaded. */
  layoutFor?(count: number): IndexLayout;
}

/** How the FAISS index is laid out; the defaults were chosen by bench/gallery.ts (see BENCHMARKS.md). */
export interface AnnOptions {
  /** Below this many faces the search is exact (a flat scan); from it on, approximate. 0 = always exact. */
  minFaces: number;
  kind: 'ivf' | 'hnsw';
  /** IVF: inverted lists searched per query. */
  nprobe: number;
  /** HNSW: search breadth. */
  efSearch: number;
}

/**
 * Measured on 2 shared cores (bench/results/gallery.json): an exact scan costs ~0.14 us of CPU per face, so past ~10k
 * faces its top-5 p99 passes 5 ms. IVF at 1M faces (1000 lists, load ~15): nprobe 8 recall@1 0.9875, 10 0.99, 12 and
 * 16 both 0.995, at top-5 CPU p99 3.2, 3.4, 5.4 and 7.4 ms: 12 is the narrowest that keeps a margin over 0.99.
 */
export const DEFAULT_ANN: AnnOptions = { minFaces: 10_000, kind: 'ivf', nprobe: 12, efSearch: 128 };

function loadFaiss(): { module: FaissModule; name: string } | null {
  // faiss-node-system is the project's binding built against the system libfaiss (Debian); faiss-node is the upstream
  // package with its prebuilt binary (laptops with internet), without ids or typed arrays: used with a position map.
  for (const name of ['faiss-node-system', 'faiss-node']) {
    try {
      return { module: require(name) as FaissModule, name };
    } catch {
      // not installed or the addon does not load here: try the next
    }
  }
  return null;
}

export function createFaissIndexFactory(ann: AnnOptions = DEFAULT_ANN): IndexFactory | null {
  const faiss = loadFaiss();
  if (!faiss) return null;
  const factory: IndexFactory = (dims, plan) => createFaissIndex(faiss.module, faiss.name, dims, ann, plan);
  if (faiss.module.Index.readAsync) factory.load = (file, dims, saved) => loadFaissIndex(faiss.module, faiss.name, dims, ann, file, saved);
  factory.layoutFor = (count) => layoutFor(ann, count);
  return factory;
}

/** Exact scan in JS: the fallback when no FAISS addon is installed. Fine for tens of thousands of faces. */
export const createJsIndex: IndexFactory = Object.assign((dims: number, plan?: IndexPlan) => createJsIndexOfSize(dims, plan?.count ?? 0), {
  load: loadJsIndex,
  layoutFor: (): IndexLayout => 'js',
});

export function defaultIndexFactory(ann: AnnOptions = DEFAULT_ANN): IndexFactory {
  return createFaissIndexFactory(ann) ?? createJsIndex;
}
