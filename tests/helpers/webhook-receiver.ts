// A real HTTP webhook receiver for tests: records every POST, checks its signature, can answer with an error status,
// and can be taken down and brought back on the same port (a receiver that is away for a while).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verify } from '../../src/server/outbound/signature.js';

export interface Received {
  eventId: string;
  type: string;
  body: Record<string, unknown>;
  idempotencyKey: string;
  signatureOk: boolean;
  /** The request's path and query, its Authorization header and Content-Type. */
  path: string;
  authorization: string | null;
  contentType: string;
}

export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  /** Requests answered, with any status. */
  requests: number;
  /** The status answered to the next requests (200 by default). */
  status: number;
  /** Distinct event ids delivered with a 2xx. */
  ids(): Set<string>;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(secret: () => string, port = 0): Promise<Receiver> {
  let server: Server | null = null;
  const r: Receiver = {
    url: '',
    port,
    received: [],
    requests: 0,
    status: 200,
    ids: () => new Set(r.received.map((x) => x.eventId)),
    async up() {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', async () => {
          r.requests += 1;
          const bytes = Buffer.concat(chunks);
          const raw = bytes.toString('utf8');
          const contentType = String(req.headers['content-type'] ?? '');
          if (r.status >= 200 && r.status < 300) {
            const ts = Number(req.headers['x-facestream-timestamp']);
            const sig = String(req.headers['x-facestream-signature'] ?? '');
            r.received.push({
              eventId: String(req.headers['x-facestream-event-id']),
              type: String(req.headers['x-facestream-event']),
              idempotencyKey: String(req.headers['idempotency-key']),
              body: contentType.startsWith('multipart/form-data') ? await formFields(bytes, contentType) : (JSON.parse(raw) as Record<string, unknown>),
              signatureOk: verify(secret(), ts, raw, sig),
              path: req.url ?? '',
              authorization: req.headers.authorization ?? null,
              contentType,
            });
          }
          res.writeHead(r.status).end();
        });
      });
      await new Promise<void>((resolve) => server!.listen(r.port, '127.0.0.1', () => resolve()));
      r.port = (server.address() as AddressInfo).port;
      r.url = `http://127.0.0.1:${r.port}/hook`;
    },
    async down() {
      const s = server;
      server = null;
      if (!s) return;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    close: () => r.down(),
  };
  await r.up();
  return r;
}

export interface ReceivedFile {
  filename: string;
  type: string;
  bytes: Uint8Array;
}

/** A multipart body's fields: text as text, files as ReceivedFile. */
async function formFields(bytes: Buffer, contentType: string): Promise<Record<string, string | ReceivedFile>> {
  const form = await new Response(new Uint8Array(bytes), { headers: { 'content-type': contentType } }).formData();
  const out: Record<string, string | ReceivedFile> = {};
  for (const [k, v] of form) out[k] = typeof v === 'string' ? v : { filename: v.name, type: v.type, bytes: new Uint8Array(await v.arrayBuffer()) };
  return out;
}

/** Polls `check` until it is true or `ms` pass. */
export async function until(check: () => boolean | Promise<boolean>, ms: number, what: string | (() => string | Promise<string>)): Promise<void> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${typeof what === 'string' ? what : await what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
