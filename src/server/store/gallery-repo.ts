// Whole-gallery transfer rows: every person with their faces (embedding, crop) for export, and an all-or-nothing import.
import { and, asc, count, countDistinct, eq, exists, inArray, sql } from 'drizzle-orm';
import { embeddingToBytes } from './embedding-bytes.js';
import type { StoreDb } from './drizzle-db.js';
import { pacer, restWhileStreaming, yieldToLive } from '../live-work.js';
import { lockNames, normalisePersonName } from './people-repo.js';
import type { FaceTemplate } from './records.js';
import { faces, people } from './schema.js';
import { rowsOf } from './sql-guards.js';

export interface TransferFace {
  embedding: Buffer;
  crop: Buffer | null;
  quality: number | null;
  /** faces.embedded_from_crop_px: null when embedded from the enrolment's picture. */
  embeddedFromCropPx: number | null;
  createdAt: Date;
}

export interface TransferPerson {
  name: string;
  createdAt: Date;
  faces: TransferFace[];
}

/** One person of an import file, checked (imports/gallery-file.ts). */
export interface ImportedPersonRow {
  name: string;
  faces: { embedding: Float32Array; crop: Buffer | null; quality: number | null; embeddedFromCropPx?: number | null }[];
}

/** Faces per INSERT statement of an import batch. */
const INSERT_ROWS = 500;
/** People an import statement covers: an import batch (GALLERY_IMPORT_BATCH_PEOPLE, one transaction) runs as slices of this many. */
export const IMPORT_SLICE_PEOPLE = 4;
/**
 * People an export page covers (one query for the people, one for their faces). At 10 faces a person a page's rows
 * and lines are a few milliseconds of main thread, between which live frames go first.
 */
export const EXPORT_PAGE_PEOPLE = 50;
/** The longest an import batch holds the event loop between two turns it gives it, ms (about: plus one statement). */
export const IMPORT_SLICE_MS = 3;

export interface ImportSummary {
  peopleCreated: number;
  peopleMerged: number;
  facesAdded: number;
  /** Faces whose embedding the person already had (an import run twice adds nothing). */
  facesSkipped: number;
}

export function galleryRepo(db: StoreDb) {
  /** One slice of an import batch: its people found or created by name, and the faces they do not have yet added. */
  async function importSlice(
    modelId: string,
    input: readonly ImportedPersonRow[],
    summary: ImportSummary,
    created: Set<string>,
    added: FaceTemplate[],
    pace: () => Promise<void>,
  ): Promise<void> {
    const names = input.map((p) => normalisePersonName(p.name));
    // The same person as enrolment would find: the name normalised, compared ignoring case by the database's lower().
    const keys = rowsOf<{ key: string }>(
      await db.execute(
        sql`select lower(v.n) as key from (values ${sql.join(
          names.map((n, i) => sql`(${i}::int, ${n}::text)`),
          sql`, `,
        )}) as v(i, n) order by v.i`,
      ),
    ).map((r) => r.key);
    await pace();
    const distinct = [...new Set(keys)];
    const found = rowsOf<{ id: string; name: string; key: string }>(
      await db.execute(
        sql`select distinct on (lower(name)) id::text as id, name, lower(name) as key from people where lower(name) in (${sql.join(
          distinct.map((k) => sql`${k}`),
          sql`, `,
        )}) order by lower(name), created_at, id`,
      ),
    );
    await pace();
    const personOf = new Map(found.map((p) => [p.key, { id: p.id, name: p.name }]));
    /** Embeddings (base64 of the stored bytes) each person of the slice has, stored or added by this batch. */
    const known = new Map<string, Set<string>>();
    if (found.length > 0) {
      const existing = await db
        .select({ personId: faces.personId, embedding: faces.embedding })
        .from(faces)
        .where(
          inArray(
            faces.personId,
            found.map((p) => p.id),
          ),
        );
      for (const e of existing) (known.get(e.personId) ?? known.set(e.personId, new Set()).get(e.personId)!).add(e.embedding.toString('base64'));
      await pace();
    }
    // New people under the first spelling the slice has of each name.
    const missing = distinct.filter((k) => !personOf.has(k)).map((k) => names[keys.indexOf(k)]!);
    if (missing.length > 0) {
      const made = await db
        .insert(people)
        .values(missing.map((name) => ({ name })))
        .returning({ id: people.id, name: people.name });
      made.forEach((p, i) => (personOf.set(keys[names.indexOf(missing[i]!)]!, p), created.add(p.id)));
      await pace();
    }
    summary.peopleCreated += missing.length;
    summary.peopleMerged += found.filter((p) => !created.has(p.id)).length;
    const rows: (typeof faces.$inferInsert)[] = [];
    const templates: Omit<FaceTemplate, 'faceId'>[] = [];
    input.forEach((person, i) => {
      const { id, name } = personOf.get(keys[i]!)!;
      const have = known.get(id) ?? known.set(id, new Set()).get(id)!;
      for (const f of person.faces) {
        const bytes = embeddingToBytes(f.embedding);
        const k = bytes.toString('base64');
        if (have.has(k)) {
          summary.facesSkipped += 1;
          continue;
        }
        have.add(k);
        rows.push({
          personId: id,
          modelId,
          dims: f.embedding.length,
          embedding: bytes,
          crop: f.crop,
          quality: f.quality,
          embeddedFromCropPx: f.embeddedFromCropPx ?? null,
        });
        templates.push({ personId: id, personName: name, embedding: f.embedding });
      }
    });
    // A few hundred rows an insert: each row is one bind parameter per column, and crops make rows large.
    for (let i = 0; i < rows.length; i += INSERT_ROWS) {
      const ids = await db
        .insert(faces)
        .values(rows.slice(i, i + INSERT_ROWS))
        .returning({ id: faces.id });
      ids.forEach((r, j) => added.push({ ...templates[i + j]!, faceId: r.id }));
      await pace();
    }
  }

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
     * A person added or removed while it runs may or may not be in it. Each page waits for live frames first, and
     * while cameras stream each page is followed by a rest as long as its reading took (live-work.ts): at 1M faces an
     * export that never paused held a camera's p95 at 3x its idle round trip (bench/export.ts).
     */
    async *exportPages(modelId: string, pageSize = EXPORT_PAGE_PEOPLE): AsyncGenerator<TransferPerson[]> {
      let after: { name: string; id: string } | null = null;
      for (;;) {
        await yieldToLive();
        const t0 = performance.now();
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
          .select({
            personId: faces.personId,
            embedding: faces.embedding,
            crop: faces.crop,
            quality: faces.quality,
            embeddedFromCropPx: faces.embeddedFromCropPx,
            createdAt: faces.createdAt,
          })
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
        for (const { personId, ...face } of rows) byId.get(personId)?.faces.push(face);
        // While cameras stream, the export takes a third of the machine (live-work.ts): reading a page and writing
        // its lines cost the database, this thread and gzip's; at 1M faces a full-speed export held a camera's p95 at
        // 2.15x idle. The step is timed to the consumer's next pull, so the lines it wrote and gzipped count as well.
        yield [...byId.values()].filter((p) => p.faces.length > 0);
        await restWhileStreaming(performance.now() - t0);
        const last = page[page.length - 1]!;
        after = { name: last.name, id: last.id };
        if (page.length < pageSize) return;
      }
    },

    /**
     * Inside a transaction: adds one batch of people (found by name ignoring case, or created) and their new faces.
     * The batch's name locks are taken first, in slot order, so the transaction holds at most NAME_LOCK_SLOTS locks
     * however many people it writes; the caller bounds the batch (GALLERY_IMPORT_BATCH_PEOPLE) and commits each.
     * Returns the counts and the faces added, for the gallery index.
     */
    async importBatch(modelId: string, input: readonly ImportedPersonRow[]): Promise<{ summary: ImportSummary; added: FaceTemplate[] }> {
      const summary: ImportSummary = { peopleCreated: 0, peopleMerged: 0, facesAdded: 0, facesSkipped: 0 };
      const added: FaceTemplate[] = [];
      if (input.length === 0) return { summary, added };
      // A batch's statements are built and their answers parsed on this thread (PGlite itself runs on its own): the
      // event loop serves live frames every IMPORT_SLICE_MS (a batch's statements at once held every camera for a
      // second and more when PGlite ran here).
      const pace = pacer(IMPORT_SLICE_MS);
      await lockNames(
        db,
        input.map((p) => p.name),
        pace,
      );
      // People this batch created: found again by a later slice (the same name twice), they are not "merged".
      const created = new Set<string>();
      for (let at = 0; at < input.length; at += IMPORT_SLICE_PEOPLE) {
        await importSlice(modelId, input.slice(at, at + IMPORT_SLICE_PEOPLE), summary, created, added, pace);
      }
      summary.facesAdded = added.length;
      return { summary, added };
    },
  };
}

export type GalleryRepo = ReturnType<typeof galleryRepo>;
