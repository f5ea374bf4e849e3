// Store queries for moving a gallery between embedding models: faces of other models with their crops, and in-place updates.
import { asc, eq, ne } from 'drizzle-orm';
import { embeddingToBytes } from './embedding-bytes.js';
import type { StoreDb } from './queries.js';
import { faces } from './schema.js';

export interface ForeignFace {
  id: string;
  modelId: string;
  crop: Buffer | null;
}

/** Distinct other model ids with their face counts. */
export async function foreignModels(db: StoreDb, modelId: string): Promise<Map<string, number>> {
  const rows = await db.select({ modelId: faces.modelId }).from(faces).where(ne(faces.modelId, modelId));
  const out = new Map<string, number>();
  for (const r of rows) out.set(r.modelId, (out.get(r.modelId) ?? 0) + 1);
  return out;
}

export async function listFacesOfModel(db: StoreDb, modelId: string): Promise<ForeignFace[]> {
  return db
    .select({ id: faces.id, modelId: faces.modelId, crop: faces.crop })
    .from(faces)
    .where(eq(faces.modelId, modelId))
    .orderBy(asc(faces.createdAt), asc(faces.id));
}

/** Replaces a face's embedding and model id together; the crop stays, so the face can move again later. */
export async function setFaceEmbedding(db: StoreDb, faceId: string, modelId: string, embedding: Float32Array): Promise<void> {
  await db
    .update(faces)
    .set({ modelId, dims: embedding.length, embedding: embeddingToBytes(embedding) })
    .where(eq(faces.id, faceId));
}
