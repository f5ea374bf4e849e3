// WebSocket gateway: accepts upgrades on /ws, enforces the message size limit, and routes each socket to a Session.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData } from 'ws';
import { CLOSE_CODES } from '../../shared/protocol.js';
import { admitUpgrade, deniedMessage, type GatewayAccess } from '../auth/ws-auth.js';
import { Session, type SessionDeps } from './session.js';
import { closeReason, wrapWebSocket } from './socket.js';

export const WS_PATH = '/ws';

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

export function attachGateway(server: Server, deps: SessionDeps, access?: GatewayAccess): Gateway {
  // maxPayload makes ws itself refuse an oversized message with close code 1009 before buffering it whole.
  const wss = new WebSocketServer({ noServer: true, maxPayload: deps.config.MAX_MESSAGE_BYTES });
  const live = new Set<Session>();

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== WS_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    const refuseWithClose = (reason: string) => wss.handleUpgrade(req, socket, head, (ws) => ws.close(CLOSE_CODES.forbidden, closeReason(reason)));
    void admitUpgrade(req, socket, access, () => wss.handleUpgrade(req, socket, head, (ws) => {
      const session = new Session(access?.metrics ? access.metrics.observe(wrapWebSocket(ws)) : wrapWebSocket(ws), deps);
      live.add(session);
      deps.log.info('session opened', { session: session.id, remote: req.socket.remoteAddress });
      ws.on('message', (data, isBinary) => {
        const denied = deniedMessage(req, data, isBinary);
        if (denied) return session.close(CLOSE_CODES.forbidden, denied);
        if (isBinary) session.onBinary(toBytes(data));
        else session.onText(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(toBytes(data)).toString('utf8'));
      });
      ws.on('close', (code) => {
        session.onClose();
        live.delete(session);
        deps.log.info('session closed', { session: session.id, code, ...session.stats });
      });
      ws.on('error', (err) => deps.log.warn('socket error', { session: session.id, error: err.message }));
    }), refuseWithClose);
  };
  server.on('upgrade', onUpgrade);

  return {
    sessions: () => [...live],
    broadcastGalleryChanged(people, faces) {
      for (const s of live) s.galleryChanged(people, faces);
    },
    async close() {
      server.off('upgrade', onUpgrade);
      for (const s of live) s.close(CLOSE_CODES.serverShutdown, 'server shutting down');
      await Promise.all([...live].map((s) => s.whenIdle()));
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
