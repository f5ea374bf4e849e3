// REST routes the operator's web pages use: whoami (a page checks its key), the library list (thumbnail, last seen),
// merging two people (faces move, recognition follows), unknown sightings grouped by likeness, and dismissing one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { groupByLikeness } from '../../src/server/http/sighting-review.js';
import { api, errorCode, photo } from '../helpers/http.js';
import { startTestServer, tempDir } from '../helpers/server.js';
import { TestClient, fixture } from '../helpers/ws-client.js';

const unit = (values: number[]) => {
  const v = Float32Array.from({ length: 128 }, (_, i) => values[i % values.length]!);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};

describe('REST routes for the operator pages', () => {
  let server: RunningServer;
  let http: ReturnType<typeof api>;

  beforeAll(async () => {
    server = await startTestServer({ DATA_DIR: tempDir() });
    http = api(server);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('whoami answers the open-mode admin, and in keys mode the key role or 401 for a wrong key', async () => {
    expect(await (await http.get('/api/v1/whoami')).json()).toEqual({ name: 'open mode', role: 'admin', mode: 'open' });
    const locked = await startTestServer({ AUTH_MODE: 'keys' });
    try {
      const { key } = await locked.store.keys.create('door', 'viewer');
      expect(await (await api(locked, key).get('/api/v1/whoami')).json()).toEqual({ name: 'door', role: 'viewer', mode: 'keys' });
      const wrong = await api(locked, 'fsk_wrong').get('/api/v1/whoami');
      expect(wrong.status).toBe(401);
      expect(await errorCode(wrong)).toBe('unauthenticated');
      expect((await api(locked).get('/api/v1/whoami')).status).toBe(401);
    } finally {
      await locked.close();
    }
  });

  it('merges two records of one person: faces and check-ins move, the other record goes, identify answers the kept one', async () => {
    const make = async (name: string, photos: string[]) => {
      const p = (await (await http.json('POST', '/api/v1/people', { name })).json()) as { id: string };
      const r = (await (
        await http.upload(
          `/api/v1/people/${p.id}/faces`,
          photos.map((f) => photo(f)),
        )
      ).json()) as { accepted: number };
      expect(r.accepted).toBe(photos.length);
      return p.id;
    };
    const keep = await make('Guido van Rossum', ['Guido_van_Rossum/1.jpg', 'Guido_van_Rossum/2.jpg']);
    // The same man enrolled twice (the operator confirmed the duplicate): the case merging is for.
    const cam = await TestClient.connect(server.url);
    cam.sendJson({ type: 'enrol.start', name: 'G. van Rossum', samples: 1, allowDuplicate: true });
    const done = cam.next((m) => m.type === 'enrol.done');
    await cam.frame(fixture('Guido_van_Rossum/4.jpg'));
    const twin = ((await done) as { personId: string }).personId;
    cam.close();
    await server.store.checkIns.record({ personId: twin, at: new Date('2030-01-02T08:59:00Z'), score: 0.97, camera: 'door', cooldownMs: 600_000 });

    const bad = await http.json('POST', `/api/v1/people/${keep}/merge`, { from: keep });
    expect([bad.status, await errorCode(bad)]).toEqual([400, 'bad_request']);
    const missing = await http.json('POST', `/api/v1/people/${keep}/merge`, { from: '00000000-0000-4000-8000-000000000000' });
    expect([missing.status, await errorCode(missing)]).toEqual([404, 'not_found']);

    const res = await http.json('POST', `/api/v1/people/${keep}/merge`, { from: twin });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ personId: keep, name: 'Guido van Rossum', movedFaces: 1, movedCheckIns: expect.any(Number) });
    expect((await http.get(`/api/v1/people/${twin}`)).status).toBe(404);
    expect(await server.store.listPeople()).toMatchObject([{ id: keep, faces: 3 }]);
    expect(server.gallery.stats()).toMatchObject({ people: 1, faces: 3 });
    const id = (await (await http.upload('/api/v1/identify', [photo('Guido_van_Rossum/4.jpg', 'image')])).json()) as {
      faces: { person: { id: string } | null }[];
    };
    expect(id.faces[0]!.person?.id).toBe(keep);

    const lib = (await (await http.get('/api/v1/library?q=guido')).json()) as {
      items: { id: string; faces: number; thumbnailUrl: string; lastSeenAt: string }[];
      total: number;
    };
    expect(lib.total).toBe(1);
    expect(lib.items[0]).toMatchObject({ id: keep, faces: 3, lastSeenAt: '2030-01-02T08:59:00.000Z' });
    const thumb = await http.get(lib.items[0]!.thumbnailUrl);
    expect([thumb.status, thumb.headers.get('content-type')]).toEqual([200, 'image/jpeg']);
  });

  it('groups embeddings that look alike', () => {
    expect(groupByLikeness([unit([1, 0]), unit([0, 1]), unit([1, 0.01]), unit([0.1, 1])], 0.9)).toEqual([0, 1, 0, 1]);
  });

  it('lists unknown sightings grouped, newest first, and an operator dismisses one', async () => {
    const at = (m: number) => new Date(Date.UTC(2030, 0, 3, 9, m));
    const base = { camera: 'lobby', modelId: server.analyzer.modelId, crop: null, bestScore: 0.5, bestPersonId: null };
    const a1 = await server.store.sightings.insert({ ...base, firstSeenAt: at(0), lastSeenAt: at(1), embedding: unit([1, 0]) });
    const b1 = await server.store.sightings.insert({ ...base, firstSeenAt: at(2), lastSeenAt: at(3), embedding: unit([0, 1]) });
    const a2 = await server.store.sightings.insert({ ...base, firstSeenAt: at(4), lastSeenAt: at(5), embedding: unit([1, 0.001]) });
    const body = (await (await http.get('/api/v1/sightings/grouped')).json()) as { items: { id: string; group: number; camera: string }[]; groups: number };
    expect(body.items.map((s) => s.id)).toEqual([a2, b1, a1]);
    expect(body.items.map((s) => s.group)).toEqual([0, 1, 0]);
    expect(body.groups).toBe(2);
    expect((await http.del(`/api/v1/sightings/${b1}`)).status).toBe(204);
    expect((await http.del(`/api/v1/sightings/${b1}`)).status).toBe(404);
    expect(await server.store.sightings.count()).toBe(2);
  });
});
