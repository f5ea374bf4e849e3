// The vector index's port: what the gallery asks of an index (FAISS or the JS scan), how one is planned, laid out,
// saved and loaded. Types only, so every implementation can import them without importing the factories.

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
  /** compact() a slice at a time, live frames served between slices (a large IVF index copies gigabytes). */
  compactAsync?(): Promise<void>;
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
