// The gallery: every enrolled face embedding in a vector index, with the map from index positions to people.
// The database is the source of truth; the index is a cache rebuilt from it at start and kept in step on enrol/delete.
import type { FaceTemplate, Store } from '../store/types.js';
import type { IndexFactory, VectorIndex } from './vector-index.js';

export interface Match {
  personId: string;
  name: string;
  /** Best cosine similarity over all of this person's embeddings. */
  score: number;
}

export interface GalleryStats {
  people: number;
  faces: number;
  dims: number;
  modelId: string;
  backend: string;
}

export interface Gallery {
  /** The best candidates, one per person, highest score first (threshold not applied). */
  search(embedding: Float32Array, people?: number): Match[];
  /** The best person at or above `threshold`, else null. */
  identify(embedding: Float32Array, threshold: number): Match | null;
  add(templates: FaceTemplate[]): void;
  removePerson(personId: string): void;
  /** Rebuilds the index from the database. */
  reload(): Promise<void>;
  stats(): GalleryStats;
}

/** How many nearest faces to fetch per wanted person: people have several faces each. */
const FACES_PER_PERSON = 8;

export async function createGallery(opts: { store: Store; modelId: string; dims: number; indexFactory: IndexFactory }): Promise<Gallery> {
  const { store, modelId, dims, indexFactory } = opts;
  let index: VectorIndex = indexFactory(dims);
  let entries: FaceTemplate[] = [];

  function rebuild(templates: FaceTemplate[]) {
    const next = indexFactory(dims);
    next.add(templates.map((t) => t.embedding));
    index = next;
    entries = templates;
  }

  function search(embedding: Float32Array, people = 5): Match[] {
    if (people <= 0) return [];
    // Fetch nearest faces until enough distinct people are found: one person with many close faces can fill a page.
    let k = Math.min(entries.length, people * FACES_PER_PERSON);
    for (;;) {
      const best = new Map<string, Match>();
      for (const hit of index.search(embedding, k)) {
        const entry = entries[hit.position];
        if (!entry) continue;
        const prev = best.get(entry.personId);
        if (!prev || hit.score > prev.score) best.set(entry.personId, { personId: entry.personId, name: entry.personName, score: hit.score });
      }
      if (best.size >= people || k >= entries.length) return [...best.values()].sort((a, b) => b.score - a.score).slice(0, people);
      k = Math.min(entries.length, k * 4);
    }
  }

  rebuild(await store.listFaceTemplates(modelId));

  return {
    search,
    identify(embedding, threshold) {
      const top = search(embedding, 1)[0];
      return top && top.score >= threshold ? top : null;
    },
    add(templates) {
      for (const t of templates) {
        if (t.embedding.length !== dims) throw new Error(`embedding has ${t.embedding.length} dims, gallery has ${dims}`);
      }
      index.add(templates.map((t) => t.embedding));
      entries = [...entries, ...templates];
    },
    removePerson(personId) {
      // A flat FAISS index renumbers positions on removal; rebuilding keeps the position map simple and deletes are rare.
      if (entries.some((e) => e.personId === personId)) rebuild(entries.filter((e) => e.personId !== personId));
    },
    async reload() {
      rebuild(await store.listFaceTemplates(modelId));
    },
    stats() {
      return { people: new Set(entries.map((e) => e.personId)).size, faces: entries.length, dims, modelId, backend: index.backend };
    },
  };
}
