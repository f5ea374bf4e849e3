// The small socket interface a session talks to, so sessions never touch `ws` and tests can use a fake.
import type { WebSocket } from 'ws';
import type { ServerMessage } from '../../shared/protocol.js';

export interface SessionSocket {
  send(message: ServerMessage): void;
  close(code: number, reason: string): void;
  /** Bytes queued but not yet sent: a slow client shows up here. */
  readonly bufferedAmount: number;
}

export function wrapWebSocket(ws: WebSocket): SessionSocket {
  return {
    send(message) {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    },
    close(code, reason) {
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason.slice(0, 120));
    },
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
  };
}
