// The small socket interface a session talks to, so sessions never touch `ws` and tests can use a fake.
import type { WebSocket } from 'ws';
import { CLOSE_CODES, type ServerMessage } from '../../shared/protocol.js';

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

export interface SocketLimits {
  /** Bytes the server may have queued for a client that does not read; past it the socket is closed (4005). */
  maxBufferedBytes: number;
  /** How long a closed slow client gets to finish the close handshake before its connection is cut. */
  terminateAfterMs?: number;
}

/** The subset of a `ws` WebSocket the adapter uses (tests hand in a fake with a settable bufferedAmount). */
export type RawSocket = Pick<WebSocket, 'readyState' | 'OPEN' | 'CONNECTING' | 'bufferedAmount' | 'send' | 'close' | 'terminate'>;

export function wrapWebSocket(ws: RawSocket, limits: SocketLimits): SessionSocket {
  let cut = false;
  const close = (code: number, reason: string) => {
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, closeReason(reason));
  };
  return {
    send(message) {
      if (cut || ws.readyState !== ws.OPEN) return;
      // A client that stops reading would otherwise grow this process's memory without bound: everything queued
      // for it stays in ws's buffer. Stop sending, close, and cut the connection if the close frame cannot get through.
      if (ws.bufferedAmount > limits.maxBufferedBytes) {
        cut = true;
        close(CLOSE_CODES.slowConsumer, `client is not reading: over ${limits.maxBufferedBytes} bytes queued (MAX_SEND_BUFFER_BYTES)`);
        setTimeout(() => ws.terminate(), limits.terminateAfterMs ?? 2000).unref();
        return;
      }
      ws.send(JSON.stringify(message));
    },
    close,
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
  };
}
