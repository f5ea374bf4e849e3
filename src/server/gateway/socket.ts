// The small socket interface a session talks to, so sessions never touch `ws` and tests can use a fake.
import type { WebSocket } from 'ws';
import type { ServerMessage } from '../../shared/protocol.js';

export interface SessionSocket {
  send(message: ServerMessage): void;
  close(code: number, reason: string): void;
  /** Bytes queued but not yet sent: a slow client shows up here. */
  readonly bufferedAmount: number;
}

/** A close frame's reason may hold at most 123 bytes of UTF-8 (ws throws past that): cut by bytes, on a character edge. */
export function closeReason(text: string, maxBytes = 123): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let out = '';
  for (const ch of text) {
    if (Buffer.byteLength(out + ch + '…') > maxBytes) break;
    out += ch;
  }
  return out + '…';
}

export function wrapWebSocket(ws: WebSocket): SessionSocket {
  return {
    send(message) {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    },
    close(code, reason) {
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, closeReason(reason));
    },
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
  };
}
