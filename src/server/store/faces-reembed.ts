// Store queries for moving a gallery between embedding models: faces of other models with their crops, and in-place
// updates; the same for the unknown sightings and recognitions an operator may still make faces of.
import { asc, eq, ne } from 'drizzle-orm';
import { bytesToEmbedding, embeddingToBytes } from './embedding-bytes.js';
import type { StoreDb } from './drizzle-db.js';
import { faces, recognitions, unknownSightings } from './schema.js';

export interface ForeignFace {
  id: string;
  modelId: string;
  crop: Buffer | null;
  /** Its embedding under `modelId`: parts a new model shares with it are carried over (gallery/reembed-plan.ts). */
  embedding: Float32Array;
  /** The side of the stored crop it was made from; null: from the enrolment's own picture. */
  embeddedFromCropPx: number | null;
}

export function reembedRepo(db: StoreDb) {
  return {
    /** Distinct other model ids with their face counts. */
    foreignModels: (modelId: string) => foreignModels(db, modelId),
    listOfModel: (modelId: string) => listFacesOfModel(db, modelId),
    /**
     * Replaces a face's embedding and model id together, and records the side of the stored crop it was made from (null:
     * as good as made from the picture); the crop stays, so the face can move again later.
     */
    setEmbedding: (faceId: string, modelId: string, embedding: Float32Array, fromCropPx: number | null) =>
      setFaceEmbedding(db, faceId, modelId, embedding, fromCropPx),
    /** Unknown sightings and recognitions: promoted or added to a person, they become faces of the running model. */
    kept: { sightings: keptRepo(db, unknownSightings), recognitions: keptRepo(db, recognitions) },
  };
}

/** A stored view with an embedding and a crop that is not a face yet (no crop record: it becomes one when promoted). */
export interface KeptView {
  id: string;
  modelId: string;
  crop: Buffer | null;
  embedding: Float32Array;
}

// The two tables share these columns; drizzle's builders take one table type at a time.
type KeptTable = typeof unknownSightings;

function keptRepo(db: StoreDb, table: typeof unknownSightings | typeof recognitions) {
  const t = table as KeptTable;
  return {
    foreignModels: async (modelId: string): Promise<Map<string, number>> => {
      const out = new Map<string, number>();
      for (const r of await db.select({ modelId: t.modelId }).from(t).where(ne(t.modelId, modelId))) out.set(r.modelId, (out.get(r.modelId) ?? 0) + 1);
      return out;
    },
    listOfModel: async (modelId: string): Promise<KeptView[]> =>
      (await db.select({ id: t.id, modelId: t.modelId, crop: t.crop, embedding: t.embedding }).from(t).where(eq(t.modelId, modelId)).orderBy(asc(t.id))).map(
        (r) => ({ ...r, embedding: bytesToEmbedding(r.embedding) }),
      ),
    setEmbedding: async (id: string, modelId: string, embedding: Float32Array): Promise<void> => {
      await db
        .update(t)
        .set({ modelId, dims: embedding.length, embedding: embeddingToBytes(embedding) })
        .where(eq(t.id, id));
    },
  };
}

export type ReembedRepo = ReturnType<typeof reembedRepo>;

async function foreignModels(db: StoreDb, modelId: string): Promise<Map<string, number>> {
  const rows = await db.select({ modelId: faces.modelId }).from(faces).where(ne(faces.modelId, modelId));
  const out = new Map<string, number>();
  for (const r of rows) out.set(r.modelId, (out.get(r.modelId) ?? 0) + 1);
  return out;
}

async function listFacesOfModel(db: StoreDb, modelId: string): Promise<ForeignFace[]> {
  const rows = await db
    .select({ id: faces.id, modelId: faces.modelId, crop: faces.crop, embedding: faces.embedding, embeddedFromCropPx: faces.embeddedFromCropPx })
    .from(faces)
    .where(eq(faces.modelId, modelId))
    .orderBy(asc(faces.createdAt), asc(faces.id));
  return rows.map((r) => ({ ...r, embedding: bytesToEmbedding(r.embedding) }));
}

async function setFaceEmbedding(db: StoreDb, faceId: string, modelId: string, embedding: Float32Array, fromCropPx: number | null): Promise<void> {
  await db
    .update(faces)
    .set({ modelId, dims: embedding.length, embedding: embeddingToBytes(embedding), embeddedFromCropPx: fromCropPx })
    .where(eq(faces.id, faceId));
}
