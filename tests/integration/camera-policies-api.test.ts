// Camera liveness policies and security events over REST in keys mode, on PGlite and (when CI provides one)
// PostgreSQL: viewers read policies, operators change them and read the security events; bad input is refused with
// a clear error; a renamed server camera keeps its policy.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { api, errorCode } from '../helpers/http.js';
import { describeEachDatabase, startTestServer } from '../helpers/server.js';

describeEachDatabase('camera policies and security events on $name', (target) => {
  let server: RunningServer;
  const keys = { viewer: '', operator: '' };

  beforeAll(async () => {
    server = await startTestServer({ ...(await target.freshEnv()), AUTH_MODE: 'keys', CAMERA_SOURCES: 'false' });
    keys.viewer = (await server.store.keys.create('wall screen', 'viewer')).key;
    keys.operator = (await server.store.keys.create('facilities', 'operator')).key;
  }, 120_000);
  afterAll(async () => {
    await server?.close();
  });

  it('lets an operator set a policy and a viewer only read it; refuses bad input', async () => {
    const viewer = api(server, keys.viewer);
    const operator = api(server, keys.operator);
    const refused = await viewer.json('PUT', '/api/v1/camera-policies', { camera: 'door', requireLive: true });
    expect(refused.status).toBe(403);
    expect(await errorCode(refused)).toBe('forbidden');
    expect((await api(server).get('/api/v1/camera-policies')).status).toBe(401);

    const set = await operator.json('PUT', '/api/v1/camera-policies', { camera: '  door  ', requireLive: true });
    expect(set.status).toBe(200);
    expect(await set.json()).toEqual({ camera: 'door', requireLive: true, own: true, kind: 'browser' });
    expect(server.cameraPolicies.requireLive('door')).toBe(true);
    expect(await (await viewer.get('/api/v1/camera-policies')).json()).toEqual({
      defaultRequireLive: false,
      items: [{ camera: 'door', requireLive: true, own: true, kind: 'browser' }],
    });

    for (const bad of [
      { camera: 'door' },
      { camera: 'door', requireLive: 'yes' },
      { camera: 'x'.repeat(101), requireLive: true },
      { camera: 'door\u0000', requireLive: true },
      { camera: 'door', requireLive: true, extra: 1 },
    ]) {
      const res = await operator.json('PUT', '/api/v1/camera-policies', bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(await errorCode(res)).toBe('validation_failed');
    }
    expect(server.cameraPolicies.list()).toEqual([{ camera: 'door', requireLive: true }]);
  });

  it('keeps a server camera’s policy when it is renamed, and lists it as a server camera', async () => {
    const operator = api(server, keys.operator);
    const cam = (await (await operator.json('POST', '/api/v1/cameras', { name: 'Front door', url: 'rtsp://10.1.2.3/h264' })).json()) as { id: string };
    expect((await operator.json('PUT', '/api/v1/camera-policies', { camera: 'Front door', requireLive: true })).status).toBe(200);
    expect((await operator.json('PATCH', `/api/v1/cameras/${cam.id}`, { name: 'Main door' })).status).toBe(200);
    expect(server.cameraPolicies.requireLive('Front door')).toBe(false);
    expect(server.cameraPolicies.requireLive('Main door')).toBe(true);
    const { items } = (await (await operator.get('/api/v1/camera-policies')).json()) as { items: unknown[] };
    expect(items).toContainEqual({ camera: 'Main door', requireLive: true, own: true, kind: 'server' });
    expect((await operator.json('PUT', '/api/v1/camera-policies', { camera: 'Main door', requireLive: null })).status).toBe(200);
    expect(server.cameraPolicies.requireLive('Main door')).toBe(false);
  });

  it('shows security events to operators only, with their crop, filtered by camera', async () => {
    const at = new Date('2026-01-02T08:59:00Z');
    const id = await server.store.securityEvents.insert({
      camera: 'door',
      at,
      personId: null,
      personName: 'Ada',
      similarity: 0.9,
      wouldBeNamed: true,
      liveScore: 0.05,
      framesChecked: 3,
      attackFrames: 3,
      crop: new Uint8Array([0xff, 0xd8, 0xff, 0xd9]),
    });
    expect((await api(server, keys.viewer).get('/api/v1/security-events')).status).toBe(403);
    const operator = api(server, keys.operator);
    expect(await (await operator.get('/api/v1/security-events?camera=door')).json()).toEqual({
      total: 1,
      items: [
        {
          id,
          kind: 'presentation_attack',
          camera: 'door',
          at: at.toISOString(),
          closest: { personId: null, name: 'Ada' },
          similarity: expect.closeTo(0.9, 5),
          wouldBeNamed: true,
          liveScore: expect.closeTo(0.05, 5),
          framesChecked: 3,
          attackFrames: 3,
          cropUrl: `/api/v1/security-events/${id}/crop`,
        },
      ],
    });
    expect(await (await operator.get('/api/v1/security-events?camera=lobby')).json()).toEqual({ total: 0, items: [] });
    const crop = await operator.get(`/api/v1/security-events/${id}/crop`);
    expect(crop.headers.get('content-type')).toBe('image/jpeg');
    expect(new Uint8Array(await crop.arrayBuffer())).toEqual(new Uint8Array([0xff, 0xd8, 0xff, 0xd9]));
    expect((await operator.get('/api/v1/security-events/not-a-uuid/crop')).status).toBe(400);
    const range = await operator.get('/api/v1/security-events?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z');
    expect(range.status).toBe(400);
    const doc = (await (await api(server).get('/api/openapi.json')).json()) as {
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    };
    for (const p of ['/api/v1/camera-policies', '/api/v1/security-events', '/api/v1/security-events/{id}/crop']) expect(doc.paths[p], p).toBeDefined();
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['CameraPolicies', 'CameraLivePolicy', 'SecurityEvent']));
    expect(await server.store.securityEvents.prune({ now: new Date('2026-06-01T00:00:00Z'), retentionDays: 90, maxRows: 0 })).toBe(1);
  });
});
