// The REST API in-process (app.request) on a real server with real models: people, faces, recognition, gallery
// export/import, events, index, ops endpoints, and bad input (status + stable code, nothing partially written).
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkIns, people as peopleTable, unknownSightings } from '../../src/server/store/schema.js';
import { embeddingToBytes } from '../../src/server/store/embedding-bytes.js';
import type { RunningServer } from '../../src/server/server.js';
import { api, errorCode, photo } from '../helpers/http.js';
import { describeEachDatabase, startTestServer } from '../helpers/server.js';
import { fixture } from '../helpers/ws-client.js';
import { rawDrizzle } from '../../src/server/store/db.js';

describeEachDatabase('REST API on $name', (target) => {
  let server: RunningServer;
  let http: ReturnType<typeof api>;
  const counts = async () => ({ people: (await server.store.listPeople()).length, faces: (await server.store.listPeople()).reduce((n, p) => n + p.faces, 0) });

  beforeAll(async () => {
    server = await startTestServer({ ...(await target.freshEnv()), MAX_UPLOAD_BYTES: String(2 * 1024 * 1024) });
    http = api(server);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('creates, lists, searches, gets and renames people', async () => {
    const a = await http.json('POST', '/api/v1/people', { name: 'Ada Lovelace' });
    expect(a.status).toBe(201);
    const ada = (await a.json()) as { id: string; name: string; faces: number };
    expect(ada).toMatchObject({ name: 'Ada Lovelace', faces: 0 });
    for (const name of ['Alan Turing', 'Grace Hopper']) expect((await http.json('POST', '/api/v1/people', { name })).status).toBe(201);

    const page = (await (await http.get('/api/v1/people?limit=2&offset=1')).json()) as { items: { name: string }[]; total: number };
    expect(page.total).toBe(3);
    expect(page.items.map((p) => p.name)).toEqual(['Alan Turing', 'Grace Hopper']);
    const found = (await (await http.get('/api/v1/people?q=HOP')).json()) as { items: { name: string }[] };
    expect(found.items.map((p) => p.name)).toEqual(['Grace Hopper']);
    const literal = (await (await http.get('/api/v1/people?q=%25')).json()) as { items: unknown[] };
    expect(literal.items).toEqual([]);

    expect(await (await http.get(`/api/v1/people/${ada.id}`)).json()).toMatchObject({ id: ada.id, name: 'Ada Lovelace' });
    const renamed = await http.json('PATCH', `/api/v1/people/${ada.id}`, { name: 'Augusta Ada King' });
    expect(renamed.status).toBe(200);
    expect(await renamed.json()).toMatchObject({ name: 'Augusta Ada King' });
  });

  it('refuses bad input with a status and a stable code, writing nothing', async () => {
    const before = await counts();
    const cases: [Promise<Response>, number, string][] = [
      [http.json('POST', '/api/v1/people', { name: 'Alan Turing' }), 409, 'duplicate_name'],
      [http.raw('POST', '/api/v1/people', { body: '{"name": "x"', headers: { 'Content-Type': 'application/json' } }), 400, 'malformed_json'],
      [http.raw('POST', '/api/v1/people', { body: 'name=x', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }), 415, 'unsupported_media_type'],
      [http.raw('POST', '/api/v1/people', { body: '{"name":"x"}' }), 415, 'unsupported_media_type'],
      [http.json('POST', '/api/v1/people', { name: '   ' }), 400, 'validation_failed'],
      [http.json('POST', '/api/v1/people', { name: 'x', admin: true }), 400, 'validation_failed'],
      [http.json('POST', '/api/v1/people', { name: 'x'.repeat(101) }), 400, 'validation_failed'],
      [http.get('/api/v1/people/not-a-uuid'), 400, 'validation_failed'],
      [http.get('/api/v1/people/00000000-0000-4000-8000-000000000000'), 404, 'not_found'],
      [http.del('/api/v1/people/00000000-0000-4000-8000-000000000000'), 404, 'not_found'],
      [http.json('PATCH', '/api/v1/people/00000000-0000-4000-8000-000000000000', { name: 'y' }), 404, 'not_found'],
      [http.get('/api/v1/people?limit=0'), 400, 'validation_failed'],
      [http.get('/api/v1/nothing-here'), 404, 'not_found'],
      [
        http.upload('/api/v1/identify', [{ field: 'image', name: 'notes.txt', bytes: new TextEncoder().encode('hello'), type: 'text/plain' }]),
        422,
        'not_an_image',
      ],
      [http.upload('/api/v1/identify', [{ field: 'image', name: 'big.jpg', bytes: new Uint8Array(3 * 1024 * 1024) }]), 413, 'payload_too_large'],
      [http.upload('/api/v1/identify', [], { image: 'not a file' }), 400, 'validation_failed'],
      [http.json('POST', '/api/v1/identify', { image: 'x' }), 415, 'unsupported_media_type'],
      [http.upload('/api/v1/people/00000000-0000-4000-8000-000000000000/faces', [photo('Amy/1.jpg')]), 404, 'not_found'],
    ];
    const turing = ((await (await http.get('/api/v1/people?q=Turing')).json()) as { items: { id: string }[] }).items[0]!;
    cases.push([http.json('PATCH', `/api/v1/people/${turing.id}`, { name: 'Grace Hopper' }), 409, 'duplicate_name']);
    for (const [res, status, code] of cases) {
      const r = await res;
      expect([r.status, await errorCode(r)]).toEqual([status, code]);
    }
    expect(await counts()).toEqual(before);
    expect((await (await http.get(`/api/v1/people/${turing.id}`)).json()).name).toBe('Alan Turing');
  });

  let obamaId = '';
  it('adds faces from images with a verdict per image, and serves their crops', async () => {
    obamaId = ((await (await http.json('POST', '/api/v1/people', { name: 'Barack Obama' })).json()) as { id: string }).id;
    const res = await http.upload(`/api/v1/people/${obamaId}/faces`, [
      photo('Barack_Obama/1.jpg'),
      photo('Barack_Obama/2.jpg'),
      photo('Barack_Obama/3.jpg'),
      photo('_group/obama_and_biden.jpg'),
      { field: 'images', name: 'notes.txt', bytes: new TextEncoder().encode('not a photo'), type: 'text/plain' },
    ]);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { accepted: number; rejected: number; results: { file: string; status: string; code?: string; faceId?: string }[] };
    const byFile = Object.fromEntries(body.results.map((r) => [r.file, r]));
    expect(byFile['notes.txt']).toMatchObject({ status: 'rejected', code: 'not_an_image' });
    expect(byFile['_group/obama_and_biden.jpg']).toMatchObject({ status: 'rejected', code: 'multiple_faces' });
    expect(body.accepted).toBeGreaterThanOrEqual(2);
    expect(body.accepted + body.rejected).toBe(5);
    expect(server.gallery.stats().faces).toBe(body.accepted);

    const faces = (await (await http.get(`/api/v1/people/${obamaId}/faces`)).json()) as { items: { id: string; cropUrl: string; embedding?: unknown }[] };
    expect(faces.items).toHaveLength(body.accepted);
    expect(faces.items[0]!.embedding).toBeUndefined();
    const crop = await http.get(faces.items[0]!.cropUrl);
    expect(crop.headers.get('content-type')).toBe('image/jpeg');
    // The stored crop is the wide chip (220 px, vision/chip-geometry.ts): re-embeddable for any model, forehead included.
    expect((await sharp(Buffer.from(await crop.arrayBuffer())).metadata()).width).toBe(220);
  });

  it('identifies every face in an image and compares two images', async () => {
    const res = await http.upload('/api/v1/identify', [photo('_group/obama_and_biden.jpg', 'image')]);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { faces: { person: { name: string } | null; score: number; box: { width: number } }[] };
    expect(body.faces.length).toBeGreaterThanOrEqual(2);
    expect(body.faces.filter((f) => f.person?.name === 'Barack Obama')).toHaveLength(1);
    expect(body.faces.some((f) => f.person === null)).toBe(true);

    const same = (await (await http.upload('/api/v1/compare', [photo('Barack_Obama/4.jpg', 'a'), photo('Barack_Obama/5.jpg', 'b')])).json()) as {
      same: boolean;
      similarity: number;
      distance: number;
    };
    expect(same.same).toBe(true);
    expect(same.distance).toBeCloseTo(Math.sqrt(2 - 2 * same.similarity), 5);
    const diff = (await (await http.upload('/api/v1/compare', [photo('Barack_Obama/4.jpg', 'a'), photo('Guido_van_Rossum/1.jpg', 'b')])).json()) as {
      same: boolean;
    };
    expect(diff.same).toBe(false);

    const blank = new Uint8Array(
      await sharp({ create: { width: 200, height: 200, channels: 3, background: '#777' } })
        .jpeg()
        .toBuffer(),
    );
    const none = await http.upload('/api/v1/compare', [photo('Barack_Obama/4.jpg', 'a'), { field: 'b', name: 'blank.jpg', bytes: blank }]);
    expect([none.status, await errorCode(none)]).toEqual([422, 'no_face']);
  });

  it('deletes one face and the index follows', async () => {
    const faces = (await (await http.get(`/api/v1/people/${obamaId}/faces`)).json()) as { items: { id: string }[] };
    const before = server.gallery.stats().faces;
    expect((await http.del(`/api/v1/faces/${faces.items[0]!.id}`)).status).toBe(204);
    expect(server.gallery.stats().faces).toBe(before - 1);
    expect((await http.del(`/api/v1/faces/${faces.items[0]!.id}`)).status).toBe(404);
    expect((await http.get(`/api/v1/faces/${faces.items[0]!.id}/crop`)).status).toBe(404);
  });

  it('exports the gallery and imports it back, refusing another model and broken files', async () => {
    const exported = await http.get('/api/v1/gallery/export');
    expect(exported.headers.get('content-type')).toBe('application/gzip');
    const file = new Uint8Array(await exported.arrayBuffer());
    const facesBefore = server.gallery.stats().faces;
    const upload = (bytes: Uint8Array) => http.upload('/api/v1/gallery/import', [{ field: 'file', name: 'g.jsonl.gz', bytes, type: 'application/gzip' }]);

    // Same server, same faces: nothing new.
    expect(await (await upload(file)).json()).toMatchObject({ peopleCreated: 0, facesAdded: 0, facesSkipped: facesBefore });

    // After a delete, the import brings the person back with every face.
    expect((await http.del(`/api/v1/people/${obamaId}`)).status).toBe(204);
    expect(server.gallery.stats().faces).toBe(0);
    expect(await (await upload(file)).json()).toMatchObject({ peopleCreated: 1, facesAdded: facesBefore });
    expect(server.gallery.stats()).toMatchObject({ faces: facesBefore, people: 1 });
    const identified = (await (await http.upload('/api/v1/identify', [photo('Barack_Obama/4.jpg', 'image')])).json()) as {
      faces: { person: { name: string } | null }[];
    };
    expect(identified.faces[0]!.person?.name).toBe('Barack Obama');

    const before = await counts();
    const { gunzipSync } = await import('node:zlib');
    const lines = gunzipSync(file).toString('utf8').trim().split('\n');
    const header = JSON.parse(lines[0]!);
    const otherModel = [JSON.stringify({ ...header, modelId: 'some-other-model' }), ...lines.slice(1)].join('\n');
    const wrongModel = await upload(new TextEncoder().encode(otherModel));
    expect([wrongModel.status, await errorCode(wrongModel)]).toEqual([422, 'model_mismatch']);
    const newPerson = JSON.stringify({
      type: 'person',
      name: 'Someone New',
      faces: [{ embedding: embeddingToBytes(new Float32Array(server.analyzer.dims).fill(0.1)).toString('base64'), crop: null, quality: null }],
    });
    const brokenLater = [lines[0], newPerson, '{"type":"person","name":"Bad","faces":[{"embedding":"AAAA","crop":null,"quality":null}]}'].join('\n');
    const broken = await upload(new TextEncoder().encode(brokenLater));
    expect([broken.status, await errorCode(broken)]).toEqual([422, 'bad_export']);
    const garbage = await upload(new Uint8Array([0x1f, 0x8b, 1, 2, 3]));
    expect([garbage.status, await errorCode(garbage)]).toEqual([422, 'bad_export']);
    expect(await counts()).toEqual(before);
  });

  it('queries check-ins and sightings by person and time range, as JSON and CSV', async () => {
    const [p] = await rawDrizzle(server.store).select({ id: peopleTable.id }).from(peopleTable).limit(1);
    const t = (h: number) => new Date(Date.UTC(2025, 0, 1, h));
    await rawDrizzle(server.store)
      .insert(checkIns)
      .values([1, 2, 3].map((h) => ({ personId: p!.id, at: t(h), score: 0.95, camera: h === 2 ? 'door, "main"' : 'door' })));
    const emb = embeddingToBytes(new Float32Array(server.analyzer.dims).fill(0.1));
    await rawDrizzle(server.store)
      .insert(unknownSightings)
      .values({ firstSeenAt: t(1), lastSeenAt: t(2), camera: 'lobby', modelId: 'm', dims: server.analyzer.dims, embedding: emb });

    const range = `from=${t(2).toISOString()}&to=${t(3).toISOString()}`;
    const page = (await (await http.get(`/api/v1/check-ins?personId=${p!.id}&${range}`)).json()) as { items: { at: string; camera: string }[]; total: number };
    expect(page.total).toBe(1);
    expect(page.items[0]).toMatchObject({ at: t(2).toISOString(), lastSeenAt: t(2).toISOString(), camera: 'door, "main"' });
    const csv = await http.get(`/api/v1/check-ins?format=csv&personId=${p!.id}`);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const rows = (await csv.text()).trim().split('\r\n');
    expect(rows[0]).toBe('id,person_id,person_name,at,last_seen_at,score,camera');
    expect(rows).toHaveLength(4);
    expect(rows[2]).toContain('"door, ""main"""');
    const none = (await (await http.get(`/api/v1/check-ins?personId=00000000-0000-4000-8000-000000000000`)).json()) as { total: number };
    expect(none.total).toBe(0);
    const bad = await http.get(`/api/v1/check-ins?from=${t(3).toISOString()}&to=${t(1).toISOString()}`);
    expect([bad.status, await errorCode(bad)]).toEqual([400, 'validation_failed']);

    const s = (await (await http.get(`/api/v1/sightings?from=${t(2).toISOString()}`)).json()) as { items: { camera: string; cropUrl: null }[] };
    expect(s.items).toMatchObject([{ camera: 'lobby', cropUrl: null }]);
    expect((await (await http.get(`/api/v1/sightings?from=${t(3).toISOString()}`)).json()).total).toBe(0);
    expect((await (await http.get('/api/v1/sightings?format=csv')).text()).split('\r\n')[0]).toBe(
      'id,first_seen_at,last_seen_at,camera,model_id,best_score,best_person_id',
    );
  });

  it('promotes an unknown sighting to a new person, who is then identified; attach and bad ids are handled', async () => {
    const [face] = (await server.analyzer.embedAll(fixture('Paul_Allen/1.jpg'), 4096 * 4096).then((r) => (r.ok ? r.faces : []))) ?? [];
    expect(face).toBeDefined();
    const now = new Date();
    const sighting = (embedding: Float32Array) =>
      server.store.sightings.insert({
        firstSeenAt: now,
        lastSeenAt: now,
        camera: 'lobby',
        modelId: server.analyzer.modelId,
        embedding,
        crop: null,
        bestScore: 0.5,
        bestPersonId: null,
      });
    const id = await sighting(face!.embedding);
    const before = await counts();
    const promoted = await http.json('POST', `/api/v1/sightings/${id}/promote`, { name: 'Paul Allen' });
    expect(promoted.status).toBe(201);
    const body = (await promoted.json()) as { personId: string; created: boolean };
    expect(body).toMatchObject({ name: 'Paul Allen', created: true });
    expect(await counts()).toEqual({ people: before.people + 1, faces: before.faces + 1 });
    const who = await (await http.upload('/api/v1/identify', [photo('Paul_Allen/2.jpg', 'image')])).json();
    expect(JSON.stringify(who)).toContain('Paul Allen');
    // the sighting is gone: promoting it again is a 404
    const again = await http.json('POST', `/api/v1/sightings/${id}/promote`, { name: 'Someone' });
    expect([again.status, await errorCode(again)]).toEqual([404, 'not_found']);
    // attach a second sighting to the same person; a taken name is refused
    const second = await sighting(face!.embedding);
    const taken = await http.json('POST', `/api/v1/sightings/${second}/promote`, { name: 'Paul Allen' });
    expect([taken.status, await errorCode(taken)]).toEqual([409, 'duplicate_name']);
    const attached = await http.json('POST', `/api/v1/sightings/${second}/attach`, { personId: body.personId });
    expect(attached.status).toBe(200);
    expect(await counts()).toEqual({ people: before.people + 1, faces: before.faces + 2 });
    const missing = await http.json('POST', `/api/v1/sightings/${second}/attach`, { personId: body.personId });
    expect([missing.status, await errorCode(missing)]).toEqual([404, 'not_found']);
    expect((await http.del(`/api/v1/people/${body.personId}`)).status).toBe(204);
  });

  it('reports and rebuilds the index, and serves health, readiness, metrics and the API docs', async () => {
    const stats = await (await http.get('/api/v1/index')).json();
    expect(stats).toMatchObject({ people: 1, dims: server.analyzer.dims, modelId: server.analyzer.modelId, staleFaces: 0 });
    expect(await (await http.json('POST', '/api/v1/index/rebuild', {})).json()).toMatchObject({ faces: stats.faces });
    expect((await http.get('/health')).status).toBe(200);
    expect(await (await http.get('/ready')).json()).toEqual({ ready: true });
    const metrics = await http.get('/metrics');
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0.0.4/);
    const text = await metrics.text();
    for (const m of ['facestream_frames_total', 'facestream_sessions 0', `facestream_gallery_faces ${stats.faces}`, 'facestream_http_requests_total{'])
      expect(text).toContain(m);

    const doc = (await (await http.get('/api/openapi.json')).json()) as { openapi: string; paths: Record<string, Record<string, { 'x-role'?: string }>> };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/api/v1/people']?.post?.['x-role']).toBe('operator');
    expect(Object.keys(doc.paths).length).toBeGreaterThanOrEqual(15);
    const page = await http.get('/api/docs');
    expect(await page.text()).toContain('/api/docs/swagger-ui-bundle.js');
    const bundle = await http.get('/api/docs/swagger-ui-bundle.js');
    expect([bundle.status, bundle.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
  });
});
