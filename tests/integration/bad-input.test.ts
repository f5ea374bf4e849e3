// Bad input over a real socket: each gets a clear protocol error or close code, and other sessions carry on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { CLOSE_CODES, FRAME_HEADER_BYTES, encodeFrame } from '../../src/shared/protocol.js';
import { startTestServer } from '../helpers/server.js';
import { TestClient, fixture } from '../helpers/ws-client.js';

describe('bad input on the camera socket', () => {
  let server: RunningServer;
  let bystander: TestClient;

  beforeAll(async () => {
    server = await startTestServer({ MAX_MESSAGE_BYTES: String(256 * 1024), MAX_FRAME_PIXELS: String(1280 * 1280) });
    bystander = await TestClient.connect(server.url);
  });
  afterAll(async () => {
    bystander.close();
    await server?.close();
  });

  const errorAfter = async (client: TestClient, send: () => void) => {
    send();
    return client.next((m) => m.type === 'error');
  };

  it('answers a payload that is not a JPEG with bad_image', async () => {
    const c = await TestClient.connect(server.url);
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);
    expect(await errorAfter(c, () => c.ws.send(encodeFrame({ seq: 1, captureTime: Date.now() }, png)))).toMatchObject({ code: 'bad_image' });
    c.close();
  });

  it('answers a truncated JPEG with bad_image and the frame seq', async () => {
    const c = await TestClient.connect(server.url);
    const jpeg = fixture('Barack_Obama/1.jpg');
    const err = await errorAfter(c, () => c.ws.send(encodeFrame({ seq: 7, captureTime: Date.now() }, jpeg.subarray(0, jpeg.length / 3))));
    expect(err).toMatchObject({ code: 'bad_image', seq: 7 });
    c.close();
  });

  it('answers a malformed frame header with bad_frame', async () => {
    const c = await TestClient.connect(server.url);
    expect(await errorAfter(c, () => c.ws.send(new Uint8Array(FRAME_HEADER_BYTES + 10)))).toMatchObject({ code: 'bad_frame' });
    expect(await errorAfter(c, () => c.ws.send(new Uint8Array(3)))).toMatchObject({ code: 'bad_frame' });
    c.close();
  });

  it('answers unknown types, invalid JSON and schema violations with distinct codes', async () => {
    const c = await TestClient.connect(server.url);
    expect(await errorAfter(c, () => c.sendJson({ type: 'teleport' }))).toMatchObject({ code: 'unknown_type' });
    expect(await errorAfter(c, () => c.sendJson('{not json'))).toMatchObject({ code: 'bad_message' });
    expect(await errorAfter(c, () => c.sendJson({ type: 'enrol.start', name: '' }))).toMatchObject({ code: 'bad_message' });
    c.close();
  });

  it('answers messages out of order with out_of_order', async () => {
    const c = await TestClient.connect(server.url);
    expect(await errorAfter(c, () => c.sendJson({ type: 'enrol.cancel' }))).toMatchObject({ code: 'out_of_order' });
    c.sendJson({ type: 'enrol.start', name: 'Someone' });
    await c.next((m) => m.type === 'enrol.started');
    expect(await errorAfter(c, () => c.sendJson({ type: 'enrol.start', name: 'Someone else' }))).toMatchObject({ code: 'out_of_order' });
    c.sendJson({ type: 'enrol.cancel' });
    expect(await c.next((m) => m.type === 'enrol.cancelled')).toMatchObject({ reason: 'cancelled by client' });
    c.close();
  });

  it('refuses an image over the pixel limit with frame_too_large', async () => {
    const c = await TestClient.connect(server.url);
    const sharp = (await import('sharp')).default;
    const big = await sharp({ create: { width: 1400, height: 1400, channels: 3, background: '#808080' } })
      .jpeg({ quality: 10 })
      .toBuffer();
    expect(await errorAfter(c, () => c.sendFrame(new Uint8Array(big)))).toMatchObject({ code: 'frame_too_large' });
    c.close();
  });

  it('closes with 4000 on a protocol version it does not speak', async () => {
    const c = await TestClient.connect(server.url, { protocol: 99 });
    expect((await c.waitClose()).code).toBe(CLOSE_CODES.unsupportedProtocol);
  });

  it('closes with 4002 when frames come before hello', async () => {
    const c = await TestClient.connect(server.url, { hello: false });
    c.sendFrame(fixture('Amy/1.jpg'));
    expect((await c.waitClose()).code).toBe(CLOSE_CODES.helloExpected);
  });

  it('closes with 1009 on a message over the size limit', async () => {
    const c = await TestClient.connect(server.url);
    c.ws.send(new Uint8Array(300 * 1024));
    expect((await c.waitClose()).code).toBe(CLOSE_CODES.messageTooBig);
  });

  it('closes with 4001 when no hello arrives in time', async () => {
    const quick = await startTestServer({ HELLO_TIMEOUT_MS: '200' });
    try {
      const c = await TestClient.connect(quick.url, { hello: false });
      expect((await c.waitClose()).code).toBe(CLOSE_CODES.helloTimeout);
    } finally {
      await quick.close();
    }
  });

  it('closes with 4004 after MAX_PROTOCOL_ERRORS client faults in a row; a good message resets the count', async () => {
    const strict = await startTestServer({ MAX_PROTOCOL_ERRORS: '3' });
    try {
      const c = await TestClient.connect(strict.url);
      const fault = () => errorAfter(c, () => c.sendJson({ type: 'enrol.cancel' })); // out_of_order
      await fault();
      await fault();
      c.sendJson({ type: 'ping', t: 1 });
      await c.next((m) => m.type === 'pong');
      await fault();
      await fault();
      expect(c.closed).toBeNull();
      c.sendJson({ type: 'enrol.cancel' });
      expect((await c.waitClose()).code).toBe(CLOSE_CODES.tooManyErrors);
    } finally {
      await strict.close();
    }
  });

  it('keeps serving other sessions throughout', async () => {
    const overlay = await bystander.frame(fixture('Barack_Obama/2.jpg'));
    expect(overlay.tracks).toHaveLength(1);
    expect(bystander.closed).toBeNull();
  });

  it('drops stale frames when a client sends faster than the server can process, newest wins', async () => {
    const c = await TestClient.connect(server.url);
    const jpeg = fixture('_group/obama_and_biden.jpg');
    const seqs = Array.from({ length: 8 }, () => c.sendFrame(jpeg));
    const last = await c.next((m) => m.type === 'overlay' && m.seq === seqs.at(-1));
    const overlays = c.messages.filter((m) => m.type === 'overlay');
    expect(overlays.length).toBeLessThan(8);
    if (last.type !== 'overlay') throw new Error('unreachable');
    expect(last.stats.received).toBe(8);
    expect(last.stats.dropped).toBe(8 - last.stats.processed);
    expect(last.stats.dropped).toBeGreaterThan(0);
    c.close();
  });
});
