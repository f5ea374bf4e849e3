// The nearest-neighbour index behind the gallery: FAISS (faiss-node) when its native addon loads, else an exact JS scan.
// Both are exact inner-product searches over L2-normalised vectors, so scores are cosine similarities.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface SearchHit {
  /** Position of the vector in insertion order. */
  position: number;
  score: number;
}

export interface VectorIndex {
  readonly backend: string;
  readonly size: number;
  add(vectors: Float32Array[]): void;
  search(query: Float32Array, k: number): SearchHit[];
}

export type IndexFactory = (dims: number) => VectorIndex;

interface FaissModule {
  IndexFlatIP: new (d: number) => {
    add(x: number[]): void;
    ntotal(): number;
    search(x: number[], k: number): { distances: number[]; labels: number[] };
  };
}

function loadFaiss(): { module: FaissModule; name: string } | null {
  // faiss-node-system is faiss-node's binding built against the system libfaiss (Debian); faiss-node is the upstream
  // package with its prebuilt binary (laptops with internet). Either gives the same API.
  for (const name of ['faiss-node-system', 'faiss-node']) {
    try {
      return { module: require(name) as FaissModule, name };
    } catch {
      // not installed or the addon does not load here: try the next
    }
  }
  return null;
}

export function createFaissIndexFactory(): IndexFactory | null {
  const faiss = loadFaiss();
  if (!faiss) return null;
  return (dims) => {
    const index = new faiss.module.IndexFlatIP(dims);
    return {
      backend: `faiss:IndexFlatIP (${faiss.name})`,
      get size() {
        return index.ntotal();
      },
      add(vectors) {
        if (vectors.length === 0) return;
        const flat: number[] = [];
        for (const v of vectors) {
          if (v.length !== dims) throw new Error(`vector has ${v.length} dims, index has ${dims}`);
          for (const x of v) flat.push(x);
        }
        index.add(flat);
      },
      search(query, k) {
        const n = index.ntotal();
        // FAISS aborts the whole process (an uncaught C++ exception) on k <= 0 or a query of the wrong length.
        if (n === 0 || k <= 0) return [];
        if (query.length !== dims) throw new Error(`query has ${query.length} dims, index has ${dims}`);
        const { distances, labels } = index.search(Array.from(query), Math.min(k, n));
        return labels.map((position, i) => ({ position, score: distances[i]! })).filter((h) => h.position >= 0);
      },
    };
  };
}

/** Exact scan in JS: the fallback when no FAISS addon is installed. Fine for a few thousand faces. */
export const createJsIndex: IndexFactory = (dims) => {
  const vectors: Float32Array[] = [];
  return {
    backend: 'js:flat',
    get size() {
      return vectors.length;
    },
    add(added) {
      for (const v of added) {
        if (v.length !== dims) throw new Error(`vector has ${v.length} dims, index has ${dims}`);
        vectors.push(v);
      }
    },
    search(query, k) {
      if (query.length !== dims) throw new Error(`query has ${query.length} dims, index has ${dims}`);
      const hits = vectors.map((v, position) => {
        let s = 0;
        for (let i = 0; i < dims; i++) s += v[i]! * query[i]!;
        return { position, score: s };
      });
      return hits.sort((a, b) => b.score - a.score).slice(0, k);
    },
  };
};

export function defaultIndexFactory(): IndexFactory {
  return createFaissIndexFactory() ?? createJsIndex;
}
