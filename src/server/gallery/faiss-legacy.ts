// The upstream faiss-node package behind VectorIndex (laptops where its prebuilt binary installs): no ids and number[]
// only, so a flat index whose positions map to the gallery's ids in JS. Nothing is saved with it (no save()).
import { checked, hits, type FaissModule } from './faiss-native.js';
import type { VectorIndex } from './index-types.js';

/** Upstream faiss-node: a flat index whose labels are positions; FAISS's removeIds shifts them, and so does the map. */
export function legacyIndex(faiss: FaissModule, name: string, dims: number): VectorIndex {
  const index = new faiss.IndexFlatIP(dims);
  let ids = new Float64Array(1024);
  let size = 0;
  return {
    backend: `faiss:IndexFlatIP (${name})`,
    get size() {
      return size;
    },
    stale: false,
    add(added, vectors) {
      checked(dims, added, vectors);
      // faiss-node takes number[] only: convert in chunks, never one array of every float.
      const chunk = 4096;
      for (let i = 0; i < added.length; i += chunk) index.add(Array.from(vectors.subarray(i * dims, Math.min(added.length, i + chunk) * dims)));
      if (size + added.length > ids.length) {
        const next = new Float64Array(Math.max(size + added.length, ids.length * 2));
        next.set(ids.subarray(0, size));
        ids = next;
      }
      ids.set(added, size);
      size += added.length;
    },
    remove(removed) {
      const gone = new Set(removed);
      const positions: number[] = [];
      let kept = 0;
      for (let p = 0; p < size; p++) {
        if (gone.has(ids[p]!)) positions.push(p);
        else ids[kept++] = ids[p]!;
      }
      if (positions.length === 0) return;
      index.removeIds(positions);
      size = kept;
    },
    search(query, k) {
      if (query.length !== dims) throw new Error(`query has ${query.length} dims, index has ${dims}`);
      if (size === 0 || k <= 0) return [];
      const r = index.search(Array.from(query), Math.min(k, size));
      return hits({ distances: r.distances, labels: r.labels.map((p) => (p >= 0 ? ids[p]! : -1)) });
    },
  };
}
