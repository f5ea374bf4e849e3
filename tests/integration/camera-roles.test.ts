// Who may do what with cameras in keys mode, on PGlite and (when CI provides one) PostgreSQL: viewers read, operators
// change; nobody gets a URL's password back. With CAMERA_SOURCES=false this server pulls nothing and says so.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { api, errorCode } from '../helpers/http.js';
import { describeEachDatabase, startTestServer } from '../helpers/server.js';

describeEachDatabase('camera roles on $name', (target) => {
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

  it('lets an operator add, change and delete a camera, a viewer only read it, and shows neither the password', async () => {
    const viewer = api(server, keys.viewer);
    const operator = api(server, keys.operator);
    const body = { name: 'Loading bay', url: 'rtsp://admin:Secr3t-Pw@10.1.2.3:554/h264' };
    const refused = await viewer.json('POST', '/api/v1/cameras', body);
    expect(refused.status).toBe(403);
    expect(await errorCode(refused)).toBe('forbidden');
    expect((await api(server).get('/api/v1/cameras')).status).toBe(401);

    const created = await operator.json('POST', '/api/v1/cameras', body);
    expect(created.status).toBe(201);
    const cam = (await created.json()) as { id: string; url: string; status: { state: string } };
    expect(cam.url).toBe('rtsp://***@10.1.2.3:554/h264');
    expect(cam.status.state).toBe('not_pulled');

    const seen = await (await viewer.get('/api/v1/cameras')).text();
    expect(seen).toContain('rtsp://***@10.1.2.3:554/h264');
    expect(seen).not.toContain('Secr3t');
    expect((await viewer.get(`/api/v1/cameras/${cam.id}/status`)).status).toBe(200);
    expect((await viewer.json('PATCH', `/api/v1/cameras/${cam.id}`, { enabled: false })).status).toBe(403);
    expect((await viewer.del(`/api/v1/cameras/${cam.id}`)).status).toBe(403);
    // No processed frame on a server that pulls nothing: a clear 404, not an empty image.
    const shot = await viewer.get(`/api/v1/cameras/${cam.id}/snapshot.jpg`);
    expect(shot.status).toBe(404);
    expect(await errorCode(shot)).toBe('not_found');

    const renamed = await operator.json('PATCH', `/api/v1/cameras/${cam.id}`, { name: 'Loading bay east', maxFps: 2.5 });
    expect(await renamed.json()).toMatchObject({ name: 'Loading bay east', maxFps: 2.5, hasCredentials: true });
    expect((await operator.json('PATCH', `/api/v1/cameras/${cam.id}`, { maxFps: 60 })).status).toBe(400);
    expect((await operator.json('PATCH', `/api/v1/cameras/${cam.id}`, { url: 'ftp://x/y' })).status).toBe(400);
    expect((await operator.del(`/api/v1/cameras/${cam.id}`)).status).toBe(204);
    expect((await operator.get(`/api/v1/cameras/${cam.id}`)).status).toBe(404);
  });
});
