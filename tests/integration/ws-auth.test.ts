// WebSocket authorization: the key in the Sec-WebSocket-Protocol header (never on the URL; `?key=` deprecated), roles on
// parsed messages: each message type has a role, checked where the session handles it, so no spelling of a JSON
// message (escapes, spacing, key order) slips past; a revoked key closes its open sockets.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import WebSocket from 'ws';
import { CLOSE_CODES, PROTOCOL_VERSION, wsSubprotocols } from '../../src/shared/protocol.js';
import { describeEachDatabase, startTestServer } from '../helpers/server.js';
import { TestClient, fixture } from '../helpers/ws-client.js';

describeEachDatabase('WebSocket roles on $name', (target) => {
  let server: RunningServer;
  let viewerKey: string;
  let operatorKey: string;

  beforeAll(async () => {
    server = await startTestServer({ ...(await target.freshEnv()), AUTH_MODE: 'keys', RATE_LIMIT_PER_MINUTE: '0' });
    const repo = server.store.keys;
    viewerKey = (await repo.create('door kiosk', 'viewer')).key;
    operatorKey = (await repo.create('desk', 'operator')).key;
    // Someone already enrolled, whom a viewer must not be able to add a face to.
    const op = await TestClient.connect(server.url, { key: operatorKey });
    op.sendJson({ type: 'enrol.start', name: 'Barack Obama', samples: 1 });
    await op.next((m) => m.type === 'enrol.started');
    op.sendFrame(fixture('Barack_Obama/1.jpg'));
    await op.next((m) => m.type === 'enrol.done');
    op.close();
  });
  afterAll(async () => {
    await server?.close();
  });

  // The attack from issue 8: a JSON escape hides the substring "enrol.start" from a check on the raw text.
  const disguised = [
    '{"type":"enrol\\u002estart","name":"Barack Obama","samples":1}',
    '{"name":"Barack Obama","type":"enrol.start","samples":1}',
    '{ "type" : "enrol.start", "name" : "Barack Obama", "samples": 1 }',
  ];

  it.each(disguised)("answers a viewer's enrol.start %s with a forbidden error and keeps the live view open", async (text) => {
    const viewer = await TestClient.connect(server.url, { key: viewerKey });
    const facesBefore = (await server.store.listPeople()).reduce((n, p) => n + p.faces, 0);
    viewer.sendJson(text);
    expect(await viewer.next((m) => m.type === 'error')).toMatchObject({ code: 'forbidden' });
    // The frame that would have been the enrolment view is just a live frame: overlay, nothing stored.
    const overlay = await viewer.frame(fixture('Barack_Obama/2.jpg'));
    expect(overlay.tracks).toHaveLength(1);
    expect(viewer.messages.some((m) => m.type === 'enrol.started' || m.type === 'enrol.progress' || m.type === 'enrol.done')).toBe(false);
    expect(viewer.closed).toBeNull();
    expect((await server.store.listPeople()).reduce((n, p) => n + p.faces, 0)).toBe(facesBefore);
    viewer.close();
  });

  it('refuses enrol.cancel from a viewer too, and still answers its ping', async () => {
    const viewer = await TestClient.connect(server.url, { key: viewerKey });
    viewer.sendJson({ type: 'enrol.cancel' });
    expect(await viewer.next((m) => m.type === 'error')).toMatchObject({ code: 'forbidden' });
    viewer.sendJson({ type: 'ping', t: 1 });
    expect(await viewer.next((m) => m.type === 'pong')).toMatchObject({ t: 1 });
    viewer.close();
  });

  /** Opens /ws offering `protocols` and says hello: the server's chosen subprotocol and welcome, or how it closed. */
  function open(protocols: string[], query = '') {
    const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws${query}`, protocols);
    return new Promise<{ answered?: string; protocol?: string; welcome?: boolean; closed?: number; ws: WebSocket }>((resolve) => {
      let answered: string | undefined;
      ws.once('upgrade', (res) => (answered = String(res.headers['sec-websocket-protocol'] ?? '')));
      ws.once('open', () => ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, camera: 'subprotocol test' })));
      ws.on('message', (data) => {
        if ((JSON.parse(String(data)) as { type: string }).type === 'welcome') resolve({ answered, protocol: ws.protocol, welcome: true, ws });
      });
      ws.once('close', (code) => resolve({ answered, closed: code, ws }));
      ws.once('error', () => resolve({ closed: -1, ws }));
    });
  }

  it('takes the key from the Sec-WebSocket-Protocol header, answers facestream.v1 and never echoes the key', async () => {
    const ok = await open(wsSubprotocols(viewerKey));
    expect(ok).toMatchObject({ welcome: true, answered: 'facestream.v1', protocol: 'facestream.v1' });
    ok.ws.close();
    // The key entry first: still answered with facestream.v1 (ws alone would echo the first entry, the key).
    const keyFirst = await open([`facestream.key.${viewerKey}`, 'facestream.v1']);
    expect(keyFirst).toMatchObject({ welcome: true, answered: 'facestream.v1' });
    keyFirst.ws.close();
    // A wrong key, or none, is told with a close frame (4003), as with the other ways of sending a key.
    expect(await open(wsSubprotocols('fsk_wrong'))).toMatchObject({ closed: CLOSE_CODES.forbidden });
    expect(await open(wsSubprotocols(null))).toMatchObject({ closed: CLOSE_CODES.forbidden });
    expect(await open(['facestream.v1', 'facestream.key.'])).toMatchObject({ closed: CLOSE_CODES.forbidden });
  });

  it('still takes a deprecated ?key= on the socket URL, for old clients', async () => {
    const old = await open([], `?key=${encodeURIComponent(viewerKey)}`);
    expect(old).toMatchObject({ welcome: true });
    old.ws.close();
  });

  it('closes the open sockets of a revoked key within a few seconds, and only those', async () => {
    const repo = server.store.keys;
    const doomed = await repo.create('lost tablet', 'viewer');
    const a = await TestClient.connect(server.url, { key: doomed.key });
    const b = await TestClient.connect(server.url, { key: doomed.key });
    const other = await TestClient.connect(server.url, { key: viewerKey });
    const t0 = Date.now();
    expect(await repo.revoke(doomed.id)).toBe(true);
    const [ca, cb] = await Promise.all([a.waitClose(8000), b.waitClose(8000)]);
    expect(Date.now() - t0).toBeLessThan(6000);
    for (const c of [ca, cb]) expect(c).toMatchObject({ code: CLOSE_CODES.forbidden, reason: expect.stringMatching(/revoked/) });
    other.sendJson({ type: 'ping', t: 2 });
    expect(await other.next((m) => m.type === 'pong')).toMatchObject({ t: 2 });
    expect(other.closed).toBeNull();
    other.close();
  });
});
