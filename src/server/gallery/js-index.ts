// The exact JS index: every vector in one growing Float32Array (never a JS number[]), ids beside it, a removal moves
// the last vector into the freed slot. Used where no FAISS addon loads; same semantics as FAISS, only slower. Saved as
// the raw arrays: the ids (float64), then the vectors (float32), little-endian as the machine writes them.
import fs from 'node:fs/promises';
import { topK } from './top-k.js';
import type { SavedIndex, SearchHit, VectorIndex } from './index-types.js';

/** Reads a file written by the JS index's save(); throws when its size or ids disagree with `saved`. */
export async function loadJsIndex(file: string, dims: number, saved: SavedIndex): Promise<VectorIndex> {
  if (saved.layout !== 'js') throw new Error(`the index file holds a ${saved.layout} index, not the JS index`);
  const bytes = await fs.readFile(file);
  const n = saved.live.length;
  if (bytes.length !== n * (8 + 4 * dims)) throw new Error(`the index file has ${bytes.length} bytes, ${n} faces of ${dims} dims need ${n * (8 + 4 * dims)}`);
  // Copied out of the file's buffer: its offset is not necessarily aligned for typed-array views.
  const ids = new Float64Array(n);
  new Uint8Array(ids.buffer).set(bytes.subarray(0, n * 8));
  const vectors = new Float32Array(n * dims);
  new Uint8Array(vectors.buffer).set(bytes.subarray(n * 8));
  const want = new Set(saved.live);
  for (const id of ids) if (!want.delete(id)) throw new Error(`the index file holds id ${id}, its metadata does not`);
  const index = createJsIndexOfSize(dims, n);
  index.add(ids, vectors);
  return index;
}

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
    async save(file) {
      const head = Buffer.from(ids.buffer, 0, size * 8);
      const body = Buffer.from(data.buffer, 0, size * dims * 4);
      await fs.writeFile(file, Buffer.concat([head, body]));
      return { layout: 'js', planned: size };
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
