// The Store methods written once in drizzle, shared by the PGlite and PostgreSQL drivers.
import { asc, count, DrizzleQueryError, eq, ne, sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { noCrash, type CrashAt } from '../crash-points.js';
import { bytesToEmbedding, embeddingToBytes } from './embedding-bytes.js';
import { findOrCreatePerson } from './people-repo.js';
import { faces, people } from './schema.js';
import type { EnrolmentCommit, EnrolmentResult, FaceTemplate, Person, Store } from './types.js';

export type StoreDb = PgDatabase<PgQueryResultHKT>;
export type StoreQueries = Omit<Store, 'kind' | 'close' | 'db'>;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createQueries(db: StoreDb, crash: CrashAt = noCrash): StoreQueries {
  return {
    async listFaceTemplates(modelId: string): Promise<FaceTemplate[]> {
      const rows = await db
        .select({ faceId: faces.id, personId: people.id, personName: people.name, embedding: faces.embedding })
        .from(faces)
        .innerJoin(people, eq(faces.personId, people.id))
        .where(eq(faces.modelId, modelId))
        // Stable order so an index built from this is reproducible run to run.
        .orderBy(asc(people.name), asc(faces.createdAt), asc(faces.id));
      return rows.map((r) => ({ ...r, embedding: bytesToEmbedding(r.embedding) }));
    },

    async countFacesNotFromModel(modelId: string): Promise<number> {
      const [row] = await db.select({ n: count() }).from(faces).where(ne(faces.modelId, modelId));
      return row?.n ?? 0;
    },

    async commitEnrolment(input: EnrolmentCommit): Promise<EnrolmentResult> {
      // Validate and encode before opening the transaction: a bad input never touches the database.
      const values = encodeFaces(input);
      try {
        return await db.transaction(async (tx) => {
          const result = await insertEnrolment(tx, input.name, values);
          crash('enrol.in-transaction'); // kill -9 tests: person and faces written, not committed
          return result;
        });
      } catch (err) {
        // drizzle's message lists every parameter, embeddings and JPEG crops included: keep the database's reason.
        if (err instanceof DrizzleQueryError && err.cause) {
          // The driver's error is the cause worth keeping; drizzle's wrapper only adds the parameter dump.
          // eslint-disable-next-line preserve-caught-error
          throw new Error(`enrolment of "${input.name}" was not stored: ${err.cause.message}`, { cause: err.cause });
        }
        throw err;
      }
    },

    async listPeople(): Promise<Person[]> {
      return db
        .select({ id: people.id, name: people.name, createdAt: people.createdAt, faces: count(faces.id) })
        .from(people)
        .leftJoin(faces, eq(faces.personId, people.id))
        .groupBy(people.id)
        .orderBy(asc(people.name));
    },

    async deletePerson(personId: string): Promise<boolean> {
      // Not a uuid cannot name a person; answering false avoids a driver error from the uuid cast.
      if (!UUID_RE.test(personId)) return false;
      const rows = await db.delete(people).where(eq(people.id, personId)).returning({ id: people.id });
      return rows.length > 0;
    },

    async ping(): Promise<void> {
      await db.execute(sql`select 1`);
    },
  };
}

/** The body of the enrolment transaction: find or create the person, then add every face. */
async function insertEnrolment(tx: StoreDb, name: string, values: EncodedFace[]): Promise<EnrolmentResult> {
  // One person per name ignoring case, Unicode form and spacing; the lock in findOrCreatePerson makes a concurrent
  // enrolment of another spelling of the same new name wait, then find this one.
  const person = await findOrCreatePerson(tx, name);
  const created = person.created;
  const personId = person.id;
  const rows = await tx
    .insert(faces)
    .values(values.map((v) => ({ ...v, personId })))
    .returning({ id: faces.id });
  return { personId, name: person.name, created, faceIds: rows.map((r) => r.id) };
}

type EncodedFace = Omit<typeof faces.$inferInsert, 'personId'>;

function encodeFaces(input: EnrolmentCommit): EncodedFace[] {
  if (input.faces.length === 0) throw new Error('an enrolment needs at least one face');
  if (!input.modelId) throw new Error('an enrolment needs a model id');
  return input.faces.map((f, i) => {
    if (!(f.embedding instanceof Float32Array) || f.embedding.length === 0) {
      throw new TypeError(`face ${i}: embedding must be a non-empty Float32Array`);
    }
    return {
      modelId: input.modelId,
      dims: f.embedding.length,
      embedding: embeddingToBytes(f.embedding),
      // A zero-copy Buffer view of the caller's bytes.
      crop: f.crop ? Buffer.from(f.crop.buffer, f.crop.byteOffset, f.crop.byteLength) : null,
      quality: f.quality ?? null,
      sourceHash: f.sourceHash ?? null,
    };
  });
}
