// Synthetic face-like embeddings for the gallery benchmark: unit vectors that cluster by person inside a cone, as real
// face embeddings do (uniform random vectors are the hardest, least realistic case for an ANN index).
// A person's centre is the shared mean direction plus person noise; each face is the centre plus view noise. With the
// defaults two faces of one person have cosine ~0.94 and faces of two people ~0.76, close to dlib's 128-d embeddings.

export interface FaceLikeOptions {
  dims: number;
  people: number;
  facesPerPerson: number;
  seed?: number;
  /** Spread of person centres around the mean direction (cosine between two centres ~ 1 / (1 + s^2)). */
  personSpread?: number;
  /** Spread of one person's views around their centre. */
  viewSpread?: number;
}

/** mulberry32 with Box-Muller: deterministic standard normal draws. */
export function gaussian(seed: number): () => number {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

function normalise(v: Float32Array, at = 0, dims = v.length): void {
  let n = 0;
  for (let i = 0; i < dims; i++) n += v[at + i]! * v[at + i]!;
  n = Math.sqrt(n);
  for (let i = 0; i < dims; i++) v[at + i]! /= n;
}

export interface FaceLikeSet {
  dims: number;
  /** Person centres, people x dims. */
  centres: Float32Array;
  /** Person index of face i is Math.floor(i / facesPerPerson). */
  facesPerPerson: number;
  /** Writes faces [from, from + count) into a new Float32Array (count x dims). */
  faces(from: number, count: number): Float32Array;
  /** A new view of person p (a probe, not a stored face). */
  probe(p: number, seed: number): Float32Array;
}

export function faceLike(o: FaceLikeOptions): FaceLikeSet {
  const { dims, people, facesPerPerson } = o;
  const seed = o.seed ?? 1;
  const personSpread = (o.personSpread ?? 0.5) / Math.sqrt(dims);
  const viewSpread = (o.viewSpread ?? 0.25) / Math.sqrt(dims);
  const g = gaussian(seed);
  const mean = new Float32Array(dims).map(() => g());
  normalise(mean);
  const centres = new Float32Array(people * dims);
  for (let p = 0; p < people; p++) {
    for (let i = 0; i < dims; i++) centres[p * dims + i] = mean[i]! + personSpread * g();
    normalise(centres, p * dims, dims);
  }
  const view = (out: Float32Array, at: number, p: number, rand: () => number) => {
    for (let i = 0; i < dims; i++) out[at + i] = centres[p * dims + i]! + viewSpread * rand();
    normalise(out, at, dims);
  };
  return {
    dims,
    centres,
    facesPerPerson,
    faces(from, count) {
      const out = new Float32Array(count * dims);
      // One generator per chunk start, so any chunking of the same range gives the same faces only chunk by chunk;
      // callers always use the same chunk size.
      const rand = gaussian(seed * 7919 + from);
      for (let j = 0; j < count; j++) view(out, j * dims, Math.floor((from + j) / facesPerPerson), rand);
      return out;
    },
    probe(p, probeSeed) {
      const out = new Float32Array(dims);
      view(out, 0, p, gaussian(seed * 104729 + probeSeed));
      return out;
    },
  };
}
