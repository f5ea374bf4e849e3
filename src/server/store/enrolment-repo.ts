// Committing an enrolment: the person (found by name or created) and all their faces in one transaction.
import { DrizzleQueryError } from 'drizzle-orm';
import { noCrash, type CrashAt } from '../crash-points.js';
import type { StoreDb } from './drizzle-db.js';
import { embeddingToBytes } from './embedding-bytes.js';
import { findOrCreatePerson } from './people-repo.js';
import type { EnrolmentCommit, EnrolmentResult } from './records.js';
import { faces } from './schema.js';

export function enrolmentRepo(db: StoreDb, crash: CrashAt = noCrash) {
  return {
    /** Person (found by exact name, or created) and all faces in one transaction: all or nothing. */
    async commit(input: EnrolmentCommit): Promise<EnrolmentResult> {
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
  };
}

export type EnrolmentRepo = ReturnType<typeof enrolmentRepo>;

/** The body of the enrolment transaction: find or create the person, then add every face. */
async function insertEnrolment(tx: StoreDb, name: string, values: EncodedFace[]): Promise<EnrolmentResult> {
  // One person per name ignoring case, Unicode form and spacing; the lock in findOrCreatePerson makes a concurrent
  // enrolment of another spelling of the same new name wait, then find this one.
  const person = await findOrCreatePerson(tx, name);
  const personId = person.id;
  const rows = await tx
    .insert(faces)
    .values(values.map((v) => ({ ...v, personId })))
    .returning({ id: faces.id });
  return { personId, name: person.name, created: person.created, faceIds: rows.map((r) => r.id) };
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
      measures: f.measures ?? null,
      overridden: f.overridden?.length ? f.overridden : null,
    };
  });
}
