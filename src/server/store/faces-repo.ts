// Face rows (table faces) for the REST API: a person's faces without embedding bytes, one face's crop, delete one face.
import { and, asc, eq, isNotNull, sql } from 'drizzle-orm';
import type { StoreDb } from './queries.js';
import { findPersonByName, isUuid } from './people-repo.js';
import { faces } from './schema.js';

export interface FaceInfo {
  id: string;
  personId: string;
  modelId: string;
  dims: number;
  quality: number | null;
  hasCrop: boolean;
  createdAt: Date;
}

export function facesRepo(db: StoreDb) {
  return {
    async listForPerson(personId: string): Promise<FaceInfo[]> {
      if (!isUuid(personId)) return [];
      return db
        .select({
          id: faces.id,
          personId: faces.personId,
          modelId: faces.modelId,
          dims: faces.dims,
          quality: faces.quality,
          hasCrop: sql<boolean>`${faces.crop} is not null`,
          createdAt: faces.createdAt,
        })
        .from(faces)
        .where(eq(faces.personId, personId))
        .orderBy(asc(faces.createdAt), asc(faces.id));
    },

    /** The stored JPEG crop, or null when the face or its crop does not exist. */
    async crop(faceId: string): Promise<Buffer | null> {
      if (!isUuid(faceId)) return null;
      const [row] = await db.select({ crop: faces.crop }).from(faces).where(eq(faces.id, faceId));
      return row?.crop ?? null;
    },

    /** SHA-256s of the files the faces of the person called `name` came from (empty when there is no such person). */
    async sourceHashes(name: string): Promise<Set<string>> {
      // Found the way enrolment finds people by name (normalised, ignoring case), so the hashes are that person's.
      const person = await findPersonByName(db, name);
      if (!person) return new Set();
      const rows = await db
        .select({ hash: faces.sourceHash })
        .from(faces)
        .where(and(eq(faces.personId, person.id), isNotNull(faces.sourceHash)));
      return new Set(rows.map((r) => r.hash!));
    },

    /** The deleted face's person id, or null when there was no such face. */
    async delete(faceId: string): Promise<string | null> {
      if (!isUuid(faceId)) return null;
      const [row] = await db.delete(faces).where(eq(faces.id, faceId)).returning({ personId: faces.personId });
      return row?.personId ?? null;
    },
  };
}

export type FacesRepo = ReturnType<typeof facesRepo>;
