// The session socket adapter stops a client that does not read: past MAX_SEND_BUFFER_BYTES queued it closes with 4005
// and cuts the connection, instead of queueing overlays in server memory for ever.
import { describe, expect, it } from 'vitest';
import { wrapWebSocket, type RawSocket } from '../../src/server/gateway/socket.js';
import { CLOSE_CODES } from '../../src/shared/protocol.js';

function fakeSocket() {
  const log = { sent: 0, closed: null as null | { code: number; reason: string }, terminated: false };
  const ws = {
    OPEN: 1,
    CONNECTING: 0,
    readyState: 1,
    bufferedAmount: 0,
    send: () => void (log.sent += 1),
    close: (code: number, reason: string) => void (log.closed = { code, reason }),
    terminate: () => void (log.terminated = true),
  };
  return { ws: ws as unknown as RawSocket & { bufferedAmount: number }, log };
}

describe('send backpressure', () => {
  it('sends while the queue is under the limit, then closes with 4005 once and cuts the connection', async () => {
    const { ws, log } = fakeSocket();
    const socket = wrapWebSocket(ws, { maxBufferedBytes: 1000, terminateAfterMs: 10 });
    const pong = { type: 'pong', t: 1, serverTime: 2 } as const;
    socket.send(pong);
    ws.bufferedAmount = 1000;
    socket.send(pong);
    expect(log.sent).toBe(2);
    expect(log.closed).toBeNull();
    ws.bufferedAmount = 1001;
    socket.send(pong);
    socket.send(pong);
    expect(log.sent).toBe(2);
    expect(log.closed).toMatchObject({ code: CLOSE_CODES.slowConsumer, reason: expect.stringMatching(/not reading/) });
    await new Promise((r) => setTimeout(r, 30));
    expect(log.terminated).toBe(true);
    // Even if the queue drains, nothing more is sent on a socket that was cut.
    ws.bufferedAmount = 0;
    socket.send(pong);
    expect(log.sent).toBe(2);
  });
});
