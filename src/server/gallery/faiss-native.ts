// What the gallery uses of a FAISS binding (the project's faiss-node-system, or upstream faiss-node with less), and the
// two helpers every FAISS-backed index shares: hits from a search result, and the vectors-to-ids length check.
import type { SearchHit } from './index-types.js';

export interface NativeIndex {
  ntotal(): number;
  isTrained(): boolean;
  add(x: number[] | Float32Array): void;
  search(x: number[] | Float32Array, k: number): { distances: number[]; labels: number[] };
  searchAsync?(x: Float32Array, k: number): Promise<{ distances: number[]; labels: number[] }>;
  removeIds(ids: number[] | Float64Array): number;
  addWithIds?(x: Float32Array, ids: Float64Array): void;
  addWithIdsAsync?(x: Float32Array, ids: Float64Array): Promise<void>;
  train?(x: Float32Array): void;
  trainAsync?(x: Float32Array): Promise<void>;
  setNprobe?(n: number): void;
  setEfSearch?(n: number): void;
  setEfConstruction?(n: number): void;
  /** Lists [from, to) only where given (the project's binding); the allocator is trimmed once `to` reaches the end. */
  compact?(from?: number, to?: number): number;
  writeAsync?(fname: string): Promise<void>;
  describe?(): { kind: string; idMap: boolean; ntotal: number; dims: number; metric: number; nlist?: number };
}

export interface FaissModule {
  IndexFlatIP: new (d: number) => NativeIndex;
  Index: { fromFactory(d: number, spec: string, metric: number): NativeIndex; readAsync?(fname: string): Promise<NativeIndex> };
}

export function hits(r: { distances: number[]; labels: number[] }, skip?: Set<number>): SearchHit[] {
  const out: SearchHit[] = [];
  for (let i = 0; i < r.labels.length; i++) {
    const id = r.labels[i]!;
    if (id >= 0 && !skip?.has(id)) out.push({ id, score: r.distances[i]! });
  }
  return out;
}

export function checked(dims: number, ids: Float64Array, vectors: Float32Array) {
  if (vectors.length !== ids.length * dims) throw new Error(`vector has ${vectors.length / Math.max(1, ids.length)} dims, index has ${dims}`);
}
