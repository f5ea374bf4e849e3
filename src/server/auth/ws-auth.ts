// WebSocket access: the origin check and key check on upgrade (key in `?key=` since browsers cannot set headers on a
// WebSocket, or in the same headers as REST), and the per-message role check (enrolment needs operator).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { LiveMetrics } from '../metrics.js';
import type { Authenticator } from './authenticate.js';
import { keyFromRequest, roleAllows, type Principal } from './keys.js';
import { originAllowed } from './mode.js';

export interface GatewayAccess {
  auth: Authenticator;
  allowedOrigins: string[];
  /** Counts frames, stage latencies, drops and errors off the messages sessions send. */
  metrics?: LiveMetrics;
}

export type UpgradeVerdict = { ok: true; principal: Principal } | { ok: false; status: 401 | 403; message: string };

export async function authorizeUpgrade(req: IncomingMessage, access: GatewayAccess): Promise<UpgradeVerdict> {
  const origin = req.headers.origin;
  if (!originAllowed(origin, req.headers.host, access.allowedOrigins)) {
    return { ok: false, status: 403, message: `origin ${origin} is not allowed (ALLOWED_ORIGINS)` };
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  const header = (n: string) => {
    const v = req.headers[n.toLowerCase()];
    return Array.isArray(v) ? v[0] : v;
  };
  const result = await access.auth.authenticate(keyFromRequest(header, (n) => url.searchParams.get(n)));
  return result.ok ? result : { ok: false, status: 401, message: result.message };
}

/** Answers a refused upgrade with a plain HTTP status and closes the socket. */
export function refuseUpgrade(socket: Duplex, status: 401 | 403 | 500, message: string): void {
  const text = { 401: 'Unauthorized', 403: 'Forbidden', 500: 'Internal Server Error' }[status];
  const body = JSON.stringify({ error: { code: status === 401 ? 'unauthenticated' : status === 403 ? 'forbidden' : 'internal', message } });
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

const principals = new WeakMap<IncomingMessage, Principal>();

/**
 * Runs `accept` once the upgrade request passed the origin and key checks (at once without `access`). A foreign origin
 * is refused with HTTP 403. A missing or wrong key gets `acceptAndClose` instead: a browser sees only close 1006 for a
 * refused upgrade and would retry forever, while a close frame (4003 with the reason) tells the page what to fix.
 */
export async function admitUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  access: GatewayAccess | undefined,
  accept: () => void,
  acceptAndClose: (reason: string) => void,
): Promise<void> {
  if (!access) return accept();
  try {
    const verdict = await authorizeUpgrade(req, access);
    if (!verdict.ok && verdict.status === 401) return acceptAndClose(`API key required: ${verdict.message}`);
    if (!verdict.ok) return refuseUpgrade(socket, verdict.status, verdict.message);
    principals.set(req, verdict.principal);
    if (!socket.destroyed) accept();
  } catch (err) {
    refuseUpgrade(socket, 500, `could not check the key: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** For a message on a socket admitted by admitUpgrade: null when allowed, else why not. */
export function deniedMessage(req: IncomingMessage, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): string | null {
  const principal = principals.get(req);
  if (!principal || isBinary) return null;
  const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
  return messageForbidden(principal, text);
}

/** Null when the caller may send this text message, else why not. Only enrolment needs more than viewer. */
export function messageForbidden(principal: Principal, text: string): string | null {
  if (roleAllows(principal.role, 'operator') || !text.includes('enrol.start')) return null;
  try {
    const type = (JSON.parse(text) as { type?: unknown } | null)?.type;
    return type === 'enrol.start' ? `enrolment needs an operator key; "${principal.name}" is ${principal.role}` : null;
  } catch {
    return null;
  }
}
