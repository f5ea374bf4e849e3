// A client that floods the socket (pings, or frames without waiting for their answers) is closed with 4006 once it
// spends WS_MESSAGES_PER_SECOND's bucket, while a camera that waits for its answers is never charged for its frames;
// its address then gets no new socket (429) for WS_FLOOD_COOLDOWN_MS, so reconnecting buys no fresh budget.
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { CLOSE_CODES } from '../../src/shared/protocol.js';
import { startTestServer } from '../helpers/server.js';
import { TestClient, fixture } from '../helpers/ws-client.js';

const COOLDOWN_MS = 1500;

/** The status an upgrade is answered with when it is refused before becoming a WebSocket. */
function refusedUpgrade(url: string): Promise<{ status: number; retryAfter: string | undefined }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`);
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] }));
    ws.once('open', () => (ws.close(), reject(new Error('the upgrade was accepted'))));
    ws.once('error', () => {});
  });
}

describe('socket message budget', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startTestServer({ WS_MESSAGES_PER_SECOND: '20', WS_MESSAGE_BURST: '60', WS_FLOOD_COOLDOWN_MS: String(COOLDOWN_MS) });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('closes a ping flood with 4006, and a camera streaming meanwhile keeps every answer', { timeout: 60_000 }, async () => {
    const face = fixture('Barack_Obama/1.jpg');
    const camera = await TestClient.connect(server.url, { camera: 'good' });
    const flooder = await TestClient.connect(server.url, { camera: 'flood' });
    // More answered frames than the whole bucket holds: frames that wait for their answer are not charged.
    const streaming = (async () => {
      for (let i = 0; i < 80; i++) expect((await camera.frame(face)).seq).toBeGreaterThan(0);
    })();
    for (let i = 0; i < 500; i++) flooder.sendJson({ type: 'ping', t: i });
    expect(await flooder.waitClose()).toMatchObject({ code: CLOSE_CODES.tooManyMessages, reason: expect.stringContaining('WS_MESSAGES_PER_SECOND') });
    // Its address gets no new socket until the cooldown ends (the camera's socket, opened before, streams on).
    expect(await refusedUpgrade(server.url)).toEqual({ status: 429, retryAfter: expect.stringMatching(/^[12]$/) });
    // At most the bucket's worth of pings was answered before the close.
    expect(flooder.messages.filter((m) => m.type === 'pong').length).toBeLessThanOrEqual(60);
    await streaming;
    expect(camera.closed).toBeNull();
    await new Promise((r) => setTimeout(r, COOLDOWN_MS + 100));
    (await TestClient.connect(server.url, { camera: 'after' })).close();
    camera.close();
  });

  it('lets a client ping within the budget for as long as it likes', { timeout: 60_000 }, async () => {
    const client = await TestClient.connect(server.url, { camera: 'pinger' });
    // 100 pings over ~2 s: more than the burst of 60, about 17 a second once the burst is spent, under the 20 allowed.
    for (let i = 0; i < 100; i++) {
      client.sendJson({ type: 'ping', t: i });
      await client.next((m) => m.type === 'pong' && m.t === i);
      if (i >= 50) await new Promise((r) => setTimeout(r, 60));
    }
    expect(client.closed).toBeNull();
    client.close();
  });
  it('closes a client that sends frames past the in-flight limit', { timeout: 60_000 }, async () => {
    const face = fixture('Barack_Obama/1.jpg');
    const flooder = await TestClient.connect(server.url, { camera: 'frames' });
    for (let i = 0; i < 300; i++) flooder.sendFrame(face);
    expect((await flooder.waitClose()).code).toBe(CLOSE_CODES.tooManyMessages);
  });
});
