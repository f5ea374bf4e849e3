// Writes an upload to a file as it arrives, under a named size limit, so a gallery file of any size never sits in
// memory: at most one chunk of the request is held at a time, and the socket waits while the disk catches up.
import fs from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export class SpoolTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`the upload is over the limit of ${limit} bytes (GALLERY_JOB_MAX_BYTES)`);
  }
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
    throw err;
  }
  return written;
}
