// WebSocket gateway: accepts upgrades on /ws, enforces the message size limit, and routes each socket to a Session.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData } from 'ws';
import { CLOSE_CODES } from '../../shared/protocol.js';
import type { Principal } from '../auth/keys.js';
import { admitUpgrade, chooseSubprotocol, type GatewayAccess } from '../auth/ws-auth.js';
import { Session, type SessionDeps } from './session.js';
import { Cooldowns, MessageBudget } from './message-budget.js';
import { closeReason, wrapWebSocket } from './socket.js';

export const WS_PATH = '/ws';
/** How long a socket closed for flooding (4006) gets to finish the close handshake before its connection is cut. */
const FLOOD_TERMINATE_MS = 500;

export interface Gateway {
  sessions(): Session[];
  /** Tells every session the gallery changed. */
  broadcastGalleryChanged(people: number, faces: number): void;
  close(): Promise<void>;
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** `live` holds the open sessions; the composition root passes its own set to parts built before the gateway. */
export function attachGateway(server: Server, deps: SessionDeps, access?: GatewayAccess, live: Set<Session> = new Set()): Gateway {
  // maxPayload makes ws itself refuse an oversized message with close code 1009 before buffering it whole.
  // handleProtocols: answer `facestream.v1`, never the `facestream.key.<KEY>` entry a browser offers its key in.
  const wss = new WebSocketServer({ noServer: true, maxPayload: deps.config.MAX_MESSAGE_BYTES, handleProtocols: chooseSubprotocol });

  const cooldowns = new Cooldowns(deps.config.WS_FLOOD_COOLDOWN_MS);

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== WS_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    const address = req.socket.remoteAddress ?? '';
    const wait = cooldowns.left(address);
    if (wait > 0) {
      socket.end(`HTTP/1.1 429 Too Many Requests\r\nRetry-After: ${Math.ceil(wait / 1000)}\r\nConnection: close\r\n\r\n`);
      return;
    }
    const refuseWithClose = (code: number, reason: string) => wss.handleUpgrade(req, socket, head, (ws) => ws.close(code, closeReason(reason)));
    void admitUpgrade(
      req,
      socket,
      access,
      (principal: Principal) =>
        wss.handleUpgrade(req, socket, head, (ws) => {
          const wrapped = wrapWebSocket(ws, { maxBufferedBytes: deps.config.MAX_SEND_BUFFER_BYTES });
          const session = new Session(access?.metrics ? access.metrics.observe(wrapped) : wrapped, deps, principal);
          live.add(session);
          deps.log.info('session opened', { session: session.id, remote: req.socket.remoteAddress, key: principal.name, role: principal.role });
          const budget = new MessageBudget(deps.config.WS_MESSAGES_PER_SECOND, deps.config.WS_MESSAGE_BURST);
          let flooding = false;
          /** Spends one message of the budget; false (and the socket closing, 4006) once it is spent. */
          const charge = (): boolean => {
            if (budget.take()) return true;
            flooding = true;
            cooldowns.add(address);
            deps.log.warn('socket closed: too many messages', {
              session: session.id,
              remote: req.socket.remoteAddress,
              perSecond: deps.config.WS_MESSAGES_PER_SECOND,
            });
            session.close(CLOSE_CODES.tooManyMessages, `over ${deps.config.WS_MESSAGES_PER_SECOND} messages a second (WS_MESSAGES_PER_SECOND)`);
            // Nothing more is read from it (what it keeps sending would still cost the event loop to unmask and drop),
            // and a flooding client that does not read would never complete the close handshake.
            ws.pause();
            setTimeout(() => ws.terminate(), FLOOD_TERMINATE_MS).unref();
            return false;
          };
          // ws answers ping control frames itself: they are messages all the same.
          ws.on('ping', () => void (flooding || charge()));
          ws.on('message', (data, isBinary) => {
            if (flooding) return; // closing: what it sent meanwhile is not read
            // A bug in handling one message must cost that message, not the process (every camera would drop).
            try {
              const dropped = session.stats.dropped;
              if (isBinary) session.onBinary(toBytes(data));
              // Answered frames are paced by their answers; text, and frames past the in-flight limit, are not.
              if ((!isBinary || session.stats.dropped > dropped) && !charge()) return;
              if (!isBinary) session.onText(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(toBytes(data)).toString('utf8'));
            } catch (err) {
              deps.log.error('message handling failed', { session: session.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
              session.serverFault('the server failed on this message');
            }
          });
          ws.on('close', (code) => {
            session.onClose();
            live.delete(session);
            deps.log.info('session closed', { session: session.id, code, ...session.stats });
          });
          ws.on('error', (err) => deps.log.warn('socket error', { session: session.id, error: err.message }));
        }),
      refuseWithClose,
    );
  };
  server.on('upgrade', onUpgrade);

  // A revoked key must not keep watching: sockets opened with it are closed on the next recheck.
  const activeKeys = access?.activeKeys;
  let rechecking = false;
  const recheck = async () => {
    const keyIds = [...new Set([...live].map((s) => s.principal.keyId).filter((id): id is string => id !== null))];
    if (!activeKeys || rechecking || keyIds.length === 0) return;
    rechecking = true;
    try {
      const active = await activeKeys(keyIds);
      for (const s of live) {
        if (s.principal.keyId !== null && !active.has(s.principal.keyId)) s.close(CLOSE_CODES.forbidden, 'API key revoked');
      }
    } catch (err) {
      // The database is down: keep the sockets (their keys were valid) and ask again next time.
      deps.log.warn('could not recheck API keys of open sockets', { error: String(err) });
    } finally {
      rechecking = false;
    }
  };
  const recheckTimer = activeKeys && access?.keyRecheckMs ? setInterval(() => void recheck(), access.keyRecheckMs) : null;
  recheckTimer?.unref();

  return {
    sessions: () => [...live],
    broadcastGalleryChanged(people, faces) {
      for (const s of live) s.galleryChanged(people, faces);
    },
    async close() {
      if (recheckTimer) clearInterval(recheckTimer);
      server.off('upgrade', onUpgrade);
      for (const s of live) s.close(CLOSE_CODES.serverShutdown, 'server shutting down');
      await Promise.all([...live].map((s) => s.whenIdle()));
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
