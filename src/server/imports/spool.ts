// Writes an upload to a file as it arrives, under a named size limit, so a gallery file of any size never sits in
// memory: at most one chunk of the request is held at a time, and the socket waits while the disk catches up. A disk
// that cannot take the file is said before a byte is written (when the client declares its size) or when it fills.
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export class SpoolTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`the upload is over the limit of ${limit} bytes (GALLERY_JOB_MAX_BYTES)`);
  }
}

/**
 * Free bytes the spool leaves on DATA_DIR's disk: the database writes the imported people to the same disk, and a
 * server whose disk is full fails everything else too.
 */
export const SPOOL_FREE_RESERVE_BYTES = 256 * 1024 * 1024;

/** DATA_DIR's disk cannot hold the upload (answered 507 insufficient_storage). */
export class SpoolNoSpace extends Error {}

/** Refuses, before anything is written, an upload of `declared` bytes that would leave under the reserve free. */
export async function checkSpoolSpace(dest: string, declared: number): Promise<void> {
  if (!Number.isFinite(declared) || declared <= 0) return;
  const st = await fs.promises.statfs(path.dirname(dest));
  const free = st.bavail * st.bsize;
  if (declared + SPOOL_FREE_RESERVE_BYTES > free)
    throw new SpoolNoSpace(
      `the upload is ${declared} bytes and the disk of DATA_DIR has ${free} bytes free; the import needs ${SPOOL_FREE_RESERVE_BYTES} bytes more than the file for the database`,
    );
}

/** Streams `body` into `dest`; past `maxBytes` (or on any error) the partial file is deleted and the error thrown. */
export async function spoolUpload(body: ReadableStream<Uint8Array>, dest: string, maxBytes: number): Promise<number> {
  let written = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _enc, done) {
      written += chunk.byteLength;
      if (written > maxBytes) return done(new SpoolTooLarge(maxBytes));
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(body as Parameters<typeof Readable.fromWeb>[0]), limit, fs.createWriteStream(dest, { flags: 'wx' }));
  } catch (err) {
    await fs.promises.rm(dest, { force: true }).catch(() => {});
    if ((err as NodeJS.ErrnoException).code === 'ENOSPC')
      throw new SpoolNoSpace(`the disk of DATA_DIR filled after ${written} bytes of the upload; the partial file was deleted`);
    throw err;
  }
  return written;
}
