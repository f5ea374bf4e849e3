// What a saved gallery index needs from the database at start: each face of a model with its person, without the
// embedding bytes (at 1M faces those are 0.5 GB to read and decode; the saved index already holds the vectors).
import { eq } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { faces, people } from './schema.js';

/** A face as the database knows it, without its embedding. */
export interface FaceRef {
  faceId: string;
  personId: string;
  personName: string;
}

/** `db`: the store's drizzle handle (either driver) or a transaction on it, as every repository takes. */
export function gallerySnapshotRepo(db: PgDatabase<PgQueryResultHKT>) {
  return {
    /** Every face of `modelId` with its person and name, in no particular order (the saved index fixes the order). */
    async faceRefs(modelId: string): Promise<FaceRef[]> {
      return db
        .select({ faceId: faces.id, personId: people.id, personName: people.name })
        .from(faces)
        .innerJoin(people, eq(faces.personId, people.id))
        .where(eq(faces.modelId, modelId));
    },
  };
}

export type GallerySnapshotRepo = ReturnType<typeof gallerySnapshotRepo>;
