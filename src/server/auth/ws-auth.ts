// WebSocket access: the origin check and key check on upgrade (key in the `facestream.key.<KEY>` subprotocol, since
// browsers cannot set headers on a WebSocket, or in the same headers as REST; `?key=` on the URL still works for old
// clients but is deprecated: access logs keep URLs). The principal found here travels with the session, which checks each
// parsed message's role (gateway/message-roles.ts).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { CLOSE_CODES, WS_KEY_SUBPROTOCOL_PREFIX, WS_SUBPROTOCOL, type ServerMessage } from '../../shared/protocol.js';
import type { Authenticator } from './authenticate.js';
import { keyFromCookie, keyFromRequest, OPEN_PRINCIPAL, type Principal } from './keys.js';
import { hostAllowed, originAllowed } from './mode.js';

/** What an observer of a session's socket sees and forwards: the shape of the gateway's session socket. */
export interface ObservedSocket {
  send(message: ServerMessage): void;
  close(code: number, reason: string): void;
  readonly bufferedAmount: number;
}

/** Wraps a session's socket to watch what it sends (metrics.ts's LiveMetrics); auth only hands it to the gateway. */
export interface SocketObserver {
  observe(socket: ObservedSocket): ObservedSocket;
}

/** Asks the key store which of these key ids are still active (not revoked, not deleted). */
export type ActiveKeys = (keyIds: string[]) => Promise<Set<string>>;

export interface GatewayAccess {
  auth: Authenticator;
  allowedOrigins: string[];
  /** With `keyRecheckMs`: open sockets whose key was revoked are closed (4003) within that time. */
  activeKeys?: ActiveKeys;
  keyRecheckMs?: number;
  /** Counts frames, stage latencies, drops and errors off the messages sessions send. */
  metrics?: SocketObserver;
}

/** The key offered as a `facestream.key.<KEY>` entry of `Sec-WebSocket-Protocol`, if any. */
export function keyFromSubprotocols(header: string | undefined): string | undefined {
  for (const entry of (header ?? '').split(',')) {
    const p = entry.trim();
    if (p.startsWith(WS_KEY_SUBPROTOCOL_PREFIX) && p.length > WS_KEY_SUBPROTOCOL_PREFIX.length) return p.slice(WS_KEY_SUBPROTOCOL_PREFIX.length);
  }
  return undefined;
}

/**
 * The subprotocol the server answers with (ws's handleProtocols): `facestream.v1` when offered, else none. Never the
 * key entry: ws would otherwise echo the first offered protocol, and the key with it.
 */
export function chooseSubprotocol(offered: Set<string>): string | false {
  return offered.has(WS_SUBPROTOCOL) ? WS_SUBPROTOCOL : false;
}

export type UpgradeVerdict = { ok: true; principal: Principal } | { ok: false; status: 401 | 403 | 429; message: string; code?: 'host_not_allowed' };

export async function authorizeUpgrade(req: IncomingMessage, access: GatewayAccess): Promise<UpgradeVerdict> {
  // Open mode trusts whoever reaches the port: only by a loopback name, or a DNS-rebound page would be admitted.
  if (!hostAllowed(access.auth.mode, req.headers.host)) {
    return {
      ok: false,
      status: 403,
      code: 'host_not_allowed', // as REST answers the same Host (api.md, Auth)
      message: `open mode answers only to a loopback host name (localhost, 127.0.0.1, [::1]), not "${String(req.headers.host).slice(0, 100)}"`,
    };
  }
  const origin = req.headers.origin;
  if (!originAllowed(origin, req.headers.host, access.allowedOrigins)) {
    return { ok: false, status: 403, message: `origin ${origin} is not allowed (ALLOWED_ORIGINS)` };
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  const header = (n: string) => {
    const v = req.headers[n.toLowerCase()];
    return Array.isArray(v) ? v[0] : v;
  };
  // Headers first (other clients), then the subprotocol, then the deprecated `?key=`, then the sign-in cookie of this
  // server's own pages (the origin check above keeps a foreign page from riding on it).
  const key = keyFromRequest(header) ?? keyFromSubprotocols(header('sec-websocket-protocol')) ?? url.searchParams.get('key') ?? keyFromCookie(header);
  const result = await access.auth.authenticate(key, { remote: req.socket.remoteAddress });
  if (result.ok) return result;
  return { ok: false, status: result.code === 'rate_limited' ? 429 : 401, message: result.message };
}

/** Each refusal status's reason phrase and the REST error code it carries by default. */
const REFUSALS = {
  401: ['Unauthorized', 'unauthenticated'],
  403: ['Forbidden', 'forbidden'],
  429: ['Too Many Requests', 'rate_limited'],
  500: ['Internal Server Error', 'internal'],
} as const;

/** Answers a refused upgrade with a plain HTTP status and closes the socket; `code` overrides the status's error code. */
export function refuseUpgrade(socket: Duplex, status: keyof typeof REFUSALS, message: string, code?: string): void {
  const [text, defaultCode] = REFUSALS[status];
  const body = JSON.stringify({ error: { code: code ?? defaultCode, message } });
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

/**
 * Runs `accept` with the caller's principal once the upgrade request passed the origin and key checks (at once, as the
 * open-mode principal, without `access`). A foreign origin is refused with HTTP 403. A missing or wrong key gets
 * `acceptAndClose` instead: a browser sees only close 1006 for a refused upgrade and would retry forever, while a close
 * frame (4003 with the reason) tells the page what to fix. An address whose wrong-key budget is spent gets 1013 ("try
 * again later", with the wait in the reason), not 4003: its key may be right (a camera behind the same NAT as a
 * misconfigured one), and a client stops for good on 4003.
 */
export async function admitUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  access: GatewayAccess | undefined,
  accept: (principal: Principal) => void,
  acceptAndClose: (code: number, reason: string) => void,
): Promise<void> {
  if (!access) return accept(OPEN_PRINCIPAL);
  try {
    const verdict = await authorizeUpgrade(req, access);
    if (!verdict.ok && verdict.status === 401) return acceptAndClose(CLOSE_CODES.forbidden, `API key required: ${verdict.message}`);
    // Told in a close frame too: a browser would only see 1006 for a refused upgrade and retry at once.
    if (!verdict.ok && verdict.status === 429) return acceptAndClose(CLOSE_CODES.tryAgainLater, verdict.message);
    if (!verdict.ok) return refuseUpgrade(socket, verdict.status, verdict.message, verdict.code);
    if (!socket.destroyed) accept(verdict.principal);
  } catch (err) {
    refuseUpgrade(socket, 500, `could not check the key: ${err instanceof Error ? err.message : String(err)}`);
  }
}
