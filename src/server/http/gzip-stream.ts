// Bulk responses (the gallery export, CSV exports) written as they are produced: lines go through zlib.createGzip()
// into Hono's stream(), waiting for the client to take each chunk, so memory holds one page of rows and one gzip
// window, never the whole body, and the event loop (every camera's socket) is never held by one big gzipSync.
import { once } from 'node:events';
import { createGzip, type Gzip } from 'node:zlib';
import type { Context } from 'hono';
import { stream } from 'hono/streaming';
import type { StreamingApi } from 'hono/utils/stream';

/** Writes `text` to `gzip`, waiting while its buffer is full. */
async function put(gzip: Gzip, text: string): Promise<void> {
  if (!gzip.write(text)) await once(gzip, 'drain');
}

/** Copies every compressed chunk of `gzip` to the response, at the pace the client reads. */
async function pump(gzip: Gzip, out: StreamingApi): Promise<void> {
  for await (const chunk of gzip) await out.write(chunk as Uint8Array);
}

/**
 * A 200 response whose body is the text chunks of `lines`, gzip'd when `gzip` is set (then the body is the .gz file
 * itself, or `Content-Encoding: gzip` when `encoding` is set), plain otherwise. An error after the first byte can only
 * cut the body short: it is logged by `onError`, and a truncated gzip fails to decompress rather than pass as whole.
 */
export function streamText(
  c: Context,
  lines: AsyncIterable<string>,
  opts: { headers: Record<string, string>; gzip: boolean; encoding?: boolean; onError: (err: unknown) => void },
): Response {
  for (const [k, v] of Object.entries(opts.headers)) c.header(k, v);
  if (opts.gzip && opts.encoding) {
    c.header('Content-Encoding', 'gzip');
    c.header('Vary', 'Accept-Encoding');
  }
  return stream(
    c,
    async (out) => {
      if (!opts.gzip) {
        for await (const text of lines) await out.write(text);
        return;
      }
      const gzip = createGzip();
      const sent = pump(gzip, out);
      try {
        for await (const text of lines) await put(gzip, text);
      } finally {
        gzip.end();
      }
      await sent;
    },
    async (err) => opts.onError(err),
  );
}

/** Whether the request accepts a gzip'd body (`Accept-Encoding: gzip`, not refused with q=0). */
export function acceptsGzip(c: Context): boolean {
  return /(^|,)\s*gzip\s*(;\s*q=(0?\.\d*[1-9]|1(\.0*)?))?\s*(,|$)/i.test(c.req.header('accept-encoding') ?? '');
}
