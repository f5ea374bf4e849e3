// Seeds a PostgreSQL gallery in bulk for benchmarks: people by text COPY, faces by binary COPY (the embedding bytes as
// they are, no hex), a few hundred thousand rows a second instead of one INSERT each.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Sql } from 'postgres';

export interface SeedOptions {
  modelId: string;
  dims: number;
  faces: number;
  facesPerPerson: number;
  /** `n` embeddings from face `from` on (rows of dims floats); called in chunks in order. */
  vectors(from: number, n: number): Float32Array;
}

const CHUNK = 8192;
const uuidText = (b: Buffer, at: number) => {
  const h = b.toString('hex', at, at + 16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

/** Binary COPY rows of (id, person_id, model_id, dims, embedding): PostgreSQL's documented COPY BINARY layout. */
function* faceRows(o: SeedOptions, personIds: Buffer): Generator<Buffer> {
  yield Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
  const model = Buffer.from(o.modelId, 'utf8');
  const rowBytes = 2 + (4 + 16) * 2 + 4 + model.length + 4 + 4 + 4 + o.dims * 4;
  for (let from = 0; from < o.faces; from += CHUNK) {
    const n = Math.min(CHUNK, o.faces - from);
    const vecs = o.vectors(from, n);
    const ids = randomBytes(16 * n);
    const out = Buffer.alloc(rowBytes * n);
    let at = 0;
    for (let j = 0; j < n; j++) {
      at = out.writeInt16BE(5, at);
      at = out.writeInt32BE(16, at);
      at += ids.copy(out, at, j * 16, j * 16 + 16);
      at = out.writeInt32BE(16, at);
      const p = Math.floor((from + j) / o.facesPerPerson);
      at += personIds.copy(out, at, p * 16, p * 16 + 16);
      at = out.writeInt32BE(model.length, at);
      at += model.copy(out, at);
      at = out.writeInt32BE(4, at);
      at = out.writeInt32BE(o.dims, at);
      at = out.writeInt32BE(o.dims * 4, at);
      // The stored embedding is float32 little-endian (store/embedding-bytes.ts), written as the bytes of the bytea.
      const v = vecs.subarray(j * o.dims, (j + 1) * o.dims);
      at += Buffer.from(v.buffer, v.byteOffset, v.byteLength).copy(out, at);
    }
    yield out;
  }
  yield Buffer.from([0xff, 0xff]);
}

export async function seedFaces(sql: Sql, o: SeedOptions): Promise<void> {
  const people = Math.ceil(o.faces / o.facesPerPerson);
  const personIds = randomBytes(16 * people);
  const peopleCopy = await sql`copy people (id, name) from stdin`.writable();
  await pipeline(
    Readable.from(
      (function* () {
        for (let p = 0; p < people; p += CHUNK) {
          const lines: string[] = [];
          for (let q = p; q < Math.min(people, p + CHUNK); q++) lines.push(`${uuidText(personIds, q * 16)}\tPerson ${q}\n`);
          yield lines.join('');
        }
      })(),
    ),
    peopleCopy,
  );
  const facesCopy = await sql`copy faces (id, person_id, model_id, dims, embedding) from stdin (format binary)`.writable();
  await pipeline(Readable.from(faceRows(o, personIds)), facesCopy);
}
