// Whole-gallery transfer rows: every person with their faces (embedding, crop) for export, and an all-or-nothing import.
import { asc, eq, inArray } from 'drizzle-orm';
import { embeddingToBytes } from './embedding-bytes.js';
import type { StoreDb } from './drizzle-db.js';
import { findOrCreatePerson } from './people-repo.js';
import { faces, people } from './schema.js';

export interface TransferFace {
  embedding: Buffer;
  crop: Buffer | null;
  quality: number | null;
  createdAt: Date;
}

export interface TransferPerson {
  name: string;
  createdAt: Date;
  faces: TransferFace[];
}

export interface ImportSummary {
  peopleCreated: number;
  peopleMerged: number;
  facesAdded: number;
  /** Faces whose embedding the person already had (an import run twice adds nothing). */
  facesSkipped: number;
}

export function galleryRepo(db: StoreDb) {
  return {
    /** Every person with at least one face of `modelId`, with those faces, ordered by name. */
    async exportPeople(modelId: string): Promise<TransferPerson[]> {
      const rows = await db
        .select({
          name: people.name,
          personCreatedAt: people.createdAt,
          embedding: faces.embedding,
          crop: faces.crop,
          quality: faces.quality,
          createdAt: faces.createdAt,
        })
        .from(faces)
        .innerJoin(people, eq(people.id, faces.personId))
        .where(eq(faces.modelId, modelId))
        .orderBy(asc(people.name), asc(faces.createdAt), asc(faces.id));
      const out = new Map<string, TransferPerson>();
      for (const r of rows) {
        let p = out.get(r.name);
        if (!p) out.set(r.name, (p = { name: r.name, createdAt: r.personCreatedAt, faces: [] }));
        p.faces.push({ embedding: r.embedding, crop: r.crop, quality: r.quality, createdAt: r.createdAt });
      }
      return [...out.values()];
    },

    /** Adds every person (found by name ignoring case, or created) and their new faces in one transaction: all or nothing. */
    async importPeople(
      modelId: string,
      input: { name: string; faces: { embedding: Float32Array; crop: Buffer | null; quality: number | null }[] }[],
    ): Promise<ImportSummary> {
      const summary: ImportSummary = { peopleCreated: 0, peopleMerged: 0, facesAdded: 0, facesSkipped: 0 };
      await db.transaction(async (tx) => {
        for (const person of input) {
          // The same person as enrolment would find: the name normalised, compared ignoring case.
          const found = await findOrCreatePerson(tx, person.name);
          const personId = found.id;
          const known = new Set<string>();
          if (found.created) summary.peopleCreated += 1;
          else {
            summary.peopleMerged += 1;
            const existing = await tx
              .select({ embedding: faces.embedding })
              .from(faces)
              .where(inArray(faces.personId, [personId]));
            for (const e of existing) known.add(e.embedding.toString('base64'));
          }
          const values = [];
          for (const f of person.faces) {
            const bytes = embeddingToBytes(f.embedding);
            const k = bytes.toString('base64');
            if (known.has(k)) {
              summary.facesSkipped += 1;
              continue;
            }
            known.add(k);
            values.push({ personId, modelId, dims: f.embedding.length, embedding: bytes, crop: f.crop, quality: f.quality });
          }
          if (values.length > 0) await tx.insert(faces).values(values);
          summary.facesAdded += values.length;
        }
      });
      return summary;
    },
  };
}

export type GalleryRepo = ReturnType<typeof galleryRepo>;
