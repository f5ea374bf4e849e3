// The nearest-neighbour index behind the gallery: FAISS when its native addon loads, else an exact JS scan.
// Vectors carry integer ids chosen by the gallery, so ids stay stable across adds and removals. Inner product over
// L2-normalised vectors: scores are cosine similarities.
import { createRequire } from 'node:module';
import { createFaissIndex, layoutFor, loadFaissIndex, type FaissModule } from './faiss-index.js';
import type { AnnOptions, IndexFactory, IndexLayout, IndexPlan } from './index-types.js';
import { createJsIndexOfSize, loadJsIndex } from './js-index.js';

export type { AnnOptions, IndexFactory, IndexLayout, IndexPlan, SavedIndex, SavedLayout, SearchHit, VectorIndex } from './index-types.js';

const require = createRequire(import.meta.url);

/**
 * Measured on 2 shared cores (bench/results/gallery.json): an exact scan costs ~0.14 us of CPU per face, so past ~10k
 * faces its top-5 p99 passes 5 ms. IVF at 1M faces (1000 lists, load ~2): nprobe 8 recall@1 0.9875, 12 and 16 both
 * 0.995, at top-5 p99 4.3, 8.2 and 12.4 ms (at load ~15, nprobe 10 gave 0.99): 12 keeps a margin over 0.99.
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
