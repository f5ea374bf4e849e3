// A client that floods the socket (pings, or frames without waiting for their answers) is closed with 4006 once it
// spends WS_MESSAGES_PER_SECOND's bucket, while a camera that waits for its answers is never charged for its frames.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { CLOSE_CODES } from '../../src/shared/protocol.js';
import { startTestServer } from '../helpers/server.js';
import { TestClient, fixture } from '../helpers/ws-client.js';

describe('socket message budget', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startTestServer({ WS_MESSAGES_PER_SECOND: '20', WS_MESSAGE_BURST: '60' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('closes a ping flood with 4006, and a camera streaming meanwhile keeps every answer', { timeout: 60_000 }, async () => {
    const face = fixture('Barack_Obama/1.jpg');
    const camera = await TestClient.connect(server.url, { camera: 'good' });
    const flooder = await TestClient.connect(server.url, { camera: 'flood' });
    for (let i = 0; i < 500; i++) flooder.sendJson({ type: 'ping', t: i });
    // More answered frames than the whole bucket holds: frames that wait for their answer are not charged.
    for (let i = 0; i < 80; i++) expect((await camera.frame(face)).seq).toBeGreaterThan(0);
    expect(await flooder.waitClose()).toMatchObject({ code: CLOSE_CODES.tooManyMessages, reason: expect.stringContaining('WS_MESSAGES_PER_SECOND') });
    // At most the bucket's worth of pings was answered before the close.
    expect(flooder.messages.filter((m) => m.type === 'pong').length).toBeLessThanOrEqual(60);
    expect(camera.closed).toBeNull();
    camera.close();
  });

  it('closes a client that sends frames past the in-flight limit', { timeout: 60_000 }, async () => {
    const face = fixture('Barack_Obama/1.jpg');
    const flooder = await TestClient.connect(server.url, { camera: 'frames' });
    for (let i = 0; i < 300; i++) flooder.sendFrame(face);
    expect((await flooder.waitClose()).code).toBe(CLOSE_CODES.tooManyMessages);
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
});
