// Events out from live cameras, end to end on a real server with the real models and photos: a known face on a camera
// socket becomes one `recognition` and one `checkin` webhook, a face that stays unknown an `unknown` one, and a camera
// that stops sending a `camera.down` one, each signed and each carrying its idempotency key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { api, photo } from '../helpers/http.js';
import { startTestServer } from '../helpers/server.js';
import { startReceiver, until, type Receiver } from '../helpers/webhook-receiver.js';
import { TestClient, fixture } from '../helpers/ws-client.js';

const SECRET = 'live-events-secret-0123456789';

describe('events out from live cameras', () => {
  let server: RunningServer;
  let receiver: Receiver;
  let guido: string;

  beforeAll(async () => {
    receiver = await startReceiver(() => SECRET);
    server = await startTestServer({ UNKNOWN_SIGHTING_AFTER_MS: '300', CAMERA_DOWN_AFTER_MS: '4000', OUTBOX_POLL_MS: '100' });
    const http = api(server);
    guido = ((await (await http.json('POST', '/api/v1/people', { name: 'Guido van Rossum' })).json()) as { id: string }).id;
    const up = await http.upload(`/api/v1/people/${guido}/faces`, [photo('Guido_van_Rossum/1.jpg'), photo('Guido_van_Rossum/3.jpg')]);
    expect(up.status).toBe(200);
    const hook = await http.json('POST', '/api/v1/webhooks', {
      name: 'all',
      url: receiver.url,
      secret: SECRET,
      eventTypes: ['checkin', 'recognition', 'unknown', 'camera.down', 'camera.up'],
    });
    expect(hook.status).toBe(201);
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
  });

  const ofType = (type: string) => receiver.received.filter((r) => r.type === type);

  it('tells a recognition once per track and a check-in once per person', async () => {
    const cam = await TestClient.connect(server.url, { camera: 'gate' });
    for (let i = 0; i < 12; i++) await cam.frame(fixture('Guido_van_Rossum/2.jpg'));
    await until(() => ofType('checkin').length === 1 && ofType('recognition').length === 1, 15_000, 'recognition and check-in');
    await new Promise((r) => setTimeout(r, 500));
    expect(ofType('recognition')).toHaveLength(1);
    expect(ofType('checkin')).toHaveLength(1);
    expect(ofType('recognition')[0]!.body).toMatchObject({ camera: 'gate', person: { id: guido, name: 'Guido van Rossum' } });
    expect(ofType('checkin')[0]!.body).toMatchObject({ camera: 'gate', person: { id: guido, name: 'Guido van Rossum' } });
    expect(ofType('camera.up')[0]!.body).toMatchObject({ camera: 'gate' });
    cam.close();
  });

  it('tells a stored unknown sighting, with where to fetch its crop', async () => {
    const cam = await TestClient.connect(server.url, { camera: 'yard' });
    // Frames until the face has been unknown for UNKNOWN_SIGHTING_AFTER_MS and its sighting is stored.
    for (let i = 0; i < 40 && (await server.store.sightings.count()) === 0; i++) await cam.frame(fixture('Paul_Allen/1.jpg'));
    await until(
      () => ofType('unknown').length === 1,
      15_000,
      async () => `the unknown event (got ${receiver.received.map((r) => r.type).join(', ')}; sightings ${await server.store.sightings.count()})`,
    );
    const body = ofType('unknown')[0]!.body as { camera: string; sightingId: string; cropUrl: string };
    expect(body.camera).toBe('yard');
    const crop = await api(server).get(body.cropUrl);
    expect(crop.headers.get('content-type')).toBe('image/jpeg');
    cam.close();
  });

  it('tells that a camera stopped sending frames', async () => {
    // Each camera's last word is `camera.down` (a loaded machine may take longer than CAMERA_DOWN_AFTER_MS for a frame
    // now and then: an up and down in between is what such a camera looks like).
    const lastOf = (camera: string) => receiver.received.filter((r) => r.type.startsWith('camera.') && r.body.camera === camera).at(-1)?.type;
    await until(
      () => lastOf('gate') === 'camera.down' && lastOf('yard') === 'camera.down',
      20_000,
      () => `both cameras down (got ${receiver.received.map((r) => r.type).join(', ')})`,
    );
    const down = ofType('camera.down').at(-1)!.body as { lastFrameAt: string; at: string };
    expect(Date.parse(down.at) - Date.parse(down.lastFrameAt)).toBeGreaterThanOrEqual(4000);
    expect(receiver.received.every((r) => r.signatureOk && r.idempotencyKey === r.eventId)).toBe(true);
    expect(receiver.ids().size).toBe(receiver.received.length);
  });
});
