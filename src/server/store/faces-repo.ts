// Face rows (table faces): the gallery's templates, a person's faces without embedding bytes, one face's crop, one face
// added (a promoted sighting) or deleted.
import { and, asc, count, eq, gt, inArray, isNotNull, lt, ne, sql } from 'drizzle-orm';
import { yieldToLive } from '../live-work.js';
import type { StoreDb } from './drizzle-db.js';
import { bytesToEmbedding, embeddingToBytes } from './embedding-bytes.js';
import { findPersonByName } from './people-repo.js';
import type { FaceTemplate } from './records.js';
import { faces, people } from './schema.js';
import { isUuid } from './sql-guards.js';

export interface FaceInfo {
  id: string;
  personId: string;
  modelId: string;
  dims: number;
  quality: number | null;
  measures: Record<string, number> | null;
  overridden: { code: string; reason: string }[] | null;
  hasCrop: boolean;
  /** Null: embedded from the enrolment's picture; else re-embedded from the stored crop, read as a chip this many px a side. */
  embeddedFromCropPx: number | null;
  createdAt: Date;
}

export interface FaceRow {
  personId: string;
  modelId: string;
  embedding: Float32Array;
  crop: Buffer | null;
  quality: number | null;
}

/** Faces a query of the gallery's templates reads at a time (~330 KB of embeddings at the default model: ~30 ms of the embedded database's time here). */
export const TEMPLATE_PAGE_FACES = 250;

export function facesRepo(db: StoreDb) {
  return {
    /**
     * Every face embedding made by `modelId`, with its person; used to build the gallery index. Read in pages of
     * TEMPLATE_PAGE_FACES by face id, yielding to live frames between pages: the embedded database answers a query in
     * this thread, and one query for a 20,000-face gallery held every camera for 2.7 s when a growing gallery was
     * rebuilt during an import. Pages are not one snapshot: the gallery's rebuild journal covers what changes between
     * them (adds skip faces already read, removals of faces not read do nothing); keyed by the face id, which no change
     * rewrites, no face is read twice or skipped.
     */
    async templates(modelId: string): Promise<FaceTemplate[]> {
      const out: FaceTemplate[] = [];
      for (let after: string | null = null; ;) {
        const rows = await db
          .select({ faceId: faces.id, personId: people.id, personName: people.name, embedding: faces.embedding })
          .from(faces)
          .innerJoin(people, eq(faces.personId, people.id))
          .where(after === null ? eq(faces.modelId, modelId) : and(eq(faces.modelId, modelId), gt(faces.id, after)))
          // Stable order so an index built from this is reproducible run to run.
          .orderBy(asc(faces.id))
          .limit(TEMPLATE_PAGE_FACES);
        for (const r of rows) out.push({ ...r, embedding: bytesToEmbedding(r.embedding) });
        if (rows.length < TEMPLATE_PAGE_FACES) return out;
        after = rows.at(-1)!.faceId;
        await yieldToLive();
      }
    },

    /** The faces of `modelId` among `faceIds`, with their person as they are now (gone ones are left out). */
    async templatesByIds(modelId: string, faceIds: readonly string[]): Promise<FaceTemplate[]> {
      const ids = faceIds.filter(isUuid);
      if (ids.length === 0) return [];
      const rows = await db
        .select({ faceId: faces.id, personId: people.id, personName: people.name, embedding: faces.embedding })
        .from(faces)
        .innerJoin(people, eq(faces.personId, people.id))
        .where(and(eq(faces.modelId, modelId), inArray(faces.id, ids)));
      return rows.map((r) => ({ ...r, embedding: bytesToEmbedding(r.embedding) }));
    },

    /** Faces by the model that made their embedding, most first. */
    async countByModel(): Promise<{ modelId: string; faces: number }[]> {
      const rows = await db.select({ modelId: faces.modelId, faces: count() }).from(faces).groupBy(faces.modelId);
      return rows.sort((a, b) => b.faces - a.faces || a.modelId.localeCompare(b.modelId));
    },

    /** Faces of `modelId` re-embedded from a stored crop read as a chip smaller than `px` a side. */
    async countReembeddedFromCropsUnder(modelId: string, px: number): Promise<number> {
      const [row] = await db
        .select({ n: count() })
        .from(faces)
        .where(and(eq(faces.modelId, modelId), lt(faces.embeddedFromCropPx, px)));
      return row?.n ?? 0;
    },

    /** Count of faces stored under other model ids (a gallery that needs re-embedding). */
    async countNotFromModel(modelId: string): Promise<number> {
      const [row] = await db.select({ n: count() }).from(faces).where(ne(faces.modelId, modelId));
      return row?.n ?? 0;
    },

    async listForPerson(personId: string): Promise<FaceInfo[]> {
      if (!isUuid(personId)) return [];
      return db
        .select({
          id: faces.id,
          personId: faces.personId,
          modelId: faces.modelId,
          dims: faces.dims,
          quality: faces.quality,
          measures: faces.measures,
          overridden: faces.overridden,
          hasCrop: sql<boolean>`${faces.crop} is not null`,
          embeddedFromCropPx: faces.embeddedFromCropPx,
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

    /** One new face; its id. */
    async add(face: FaceRow): Promise<string> {
      const [row] = await db
        .insert(faces)
        .values({ ...face, dims: face.embedding.length, embedding: embeddingToBytes(face.embedding) })
        .returning({ id: faces.id });
      return row!.id;
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
