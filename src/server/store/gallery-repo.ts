// Whole-gallery transfer rows: every person with their faces (embedding, crop) for export, and an all-or-nothing import.
import { and, asc, count, countDistinct, eq, exists, inArray, sql } from 'drizzle-orm';
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
    /** People with a face of `modelId`, and those faces: the figures an export's header states as it begins. */
    async exportCounts(modelId: string): Promise<{ people: number; faces: number }> {
      const [row] = await db
        .select({ people: countDistinct(faces.personId), faces: count() })
        .from(faces)
        .where(eq(faces.modelId, modelId));
      return { people: Number(row?.people ?? 0), faces: Number(row?.faces ?? 0) };
    },

    /**
     * Every person with at least one face of `modelId`, with those faces, ordered by name, a page at a time (`pageSize`
     * people, keyset on name and id): each page is one short query, so a gallery of any size streams in bounded memory.
     * A person added or removed while it runs may or may not be in it.
     */
    async *exportPages(modelId: string, pageSize = 200): AsyncGenerator<TransferPerson[]> {
      let after: { name: string; id: string } | null = null;
      for (;;) {
        const hasFaces = exists(
          db
            .select({ one: sql`1` })
            .from(faces)
            .where(and(eq(faces.personId, people.id), eq(faces.modelId, modelId))),
        );
        const page: { id: string; name: string; createdAt: Date }[] = await db
          .select({ id: people.id, name: people.name, createdAt: people.createdAt })
          .from(people)
          .where(after ? and(hasFaces, sql`(${people.name}, ${people.id}) > (${after.name}, ${after.id})`) : hasFaces)
          .orderBy(asc(people.name), asc(people.id))
          .limit(pageSize);
        if (page.length === 0) return;
        const rows = await db
          .select({ personId: faces.personId, embedding: faces.embedding, crop: faces.crop, quality: faces.quality, createdAt: faces.createdAt })
          .from(faces)
          .where(
            and(
              eq(faces.modelId, modelId),
              inArray(
                faces.personId,
                page.map((p) => p.id),
              ),
            ),
          )
          .orderBy(asc(faces.createdAt), asc(faces.id));
        const byId = new Map(page.map((p) => [p.id, { name: p.name, createdAt: p.createdAt, faces: [] as TransferFace[] }]));
        for (const r of rows) byId.get(r.personId)?.faces.push({ embedding: r.embedding, crop: r.crop, quality: r.quality, createdAt: r.createdAt });
        yield [...byId.values()].filter((p) => p.faces.length > 0);
        const last = page[page.length - 1]!;
        after = { name: last.name, id: last.id };
        if (page.length < pageSize) return;
      }
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
