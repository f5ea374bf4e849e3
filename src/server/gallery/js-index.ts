// The exact JS index: every vector in one growing Float32Array (never a JS number[]), ids beside it, a removal moves
// the last vector into the freed slot. Used where no FAISS addon loads; same semantics as FAISS, only slower.
import { topK } from './top-k.js';
import type { SearchHit, VectorIndex } from './vector-index.js';

export function createJsIndexOfSize(dims: number, expected: number): VectorIndex {
  let capacity = Math.max(16, expected);
  let data = new Float32Array(capacity * dims);
  let ids = new Float64Array(capacity);
  const slotOf = new Map<number, number>();
  let size = 0;

  function grow(need: number) {
    if (need <= capacity) return;
    capacity = Math.max(need, capacity * 2);
    const d = new Float32Array(capacity * dims);
    d.set(data.subarray(0, size * dims));
    const i = new Float64Array(capacity);
    i.set(ids.subarray(0, size));
    data = d;
    ids = i;
  }

  return {
    backend: 'js:flat',
    get size() {
      return size;
    },
    stale: false,
    add(added, vectors) {
      if (vectors.length !== added.length * dims) throw new Error(`vector has ${vectors.length / Math.max(1, added.length)} dims, index has ${dims}`);
      for (const id of added) if (slotOf.has(id)) throw new Error(`id ${id} is already in the index`);
      grow(size + added.length);
      data.set(vectors, size * dims);
      for (let j = 0; j < added.length; j++) {
        ids[size] = added[j]!;
        slotOf.set(added[j]!, size++);
      }
    },
    remove(removed) {
      for (const id of removed) {
        const slot = slotOf.get(id);
        if (slot === undefined) continue;
        slotOf.delete(id);
        const last = --size;
        if (slot !== last) {
          data.copyWithin(slot * dims, last * dims, (last + 1) * dims);
          ids[slot] = ids[last]!;
          slotOf.set(ids[slot]!, slot);
        }
      }
    },
    search(query, k): SearchHit[] {
      if (query.length !== dims) throw new Error(`query has ${query.length} dims, index has ${dims}`);
      if (k <= 0 || size === 0) return [];
      const best = topK(Math.min(k, size));
      for (let s = 0; s < size; s++) {
        let dot = 0;
        const at = s * dims;
        for (let i = 0; i < dims; i++) dot += data[at + i]! * query[i]!;
        best.offer(dot, s);
      }
      return best.sorted().map(({ score, item }) => ({ id: ids[item]!, score }));
    },
  };
}
