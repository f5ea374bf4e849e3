// The gallery export streams (issue 19): people are read a page at a time and written through gzip as they come, so
// the body arrives in chunks without a Content-Length, and what arrives imports whole into another server. The CSV
// exports stream too, gzip'd when the client accepts it.
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faceLike } from '../../bench/face-like.js';
import type { RunningServer } from '../../src/server/server.js';
import { startTestServer, tempDir } from '../helpers/server.js';

const PEOPLE = 650; // more than three pages (EXPORT_PAGE_PEOPLE, 50)
const FACES_EACH = 2;

describe('streamed gallery export', () => {
  let source: RunningServer;
  let target: RunningServer;
  beforeAll(async () => {
    source = await startTestServer({ DATA_DIR: tempDir() });
    target = await startTestServer({ DATA_DIR: tempDir() });
    const data = faceLike({ dims: source.analyzer.dims, people: PEOPLE, facesPerPerson: FACES_EACH, seed: 19 });
    for (let p = 0; p < PEOPLE; p++) {
      const faces = Array.from({ length: FACES_EACH }, (_, i) => ({ embedding: data.probe(p, i), quality: 0.9 }));
      await source.store.commitEnrolment({ name: `Person ${String(p).padStart(4, '0')}`, modelId: source.analyzer.modelId, faces });
    }
  }, 300_000);
  afterAll(async () => {
    await Promise.all([source?.close(), target?.close()]);
  });

  it('sends the export in chunks, without a Content-Length, and it imports whole elsewhere', { timeout: 300_000 }, async () => {
    const res = await fetch(`${source.url}/api/v1/gallery/export`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/gzip');
    expect(res.headers.get('content-length')).toBeNull();
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    const chunks: Uint8Array[] = [];
    const reader = res.body!.getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(r.value);
    expect(chunks.length).toBeGreaterThan(1);
    const gz = Buffer.concat(chunks);

    const lines = gunzipSync(gz).toString('utf8').trimEnd().split('\n');
    const header = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(header).toMatchObject({ type: 'header', modelId: source.analyzer.modelId, people: PEOPLE, faces: PEOPLE * FACES_EACH });
    const people = lines.slice(1).map((l) => JSON.parse(l) as { name: string; faces: unknown[] });
    expect(people.map((p) => p.name)).toEqual(Array.from({ length: PEOPLE }, (_, p) => `Person ${String(p).padStart(4, '0')}`));
    expect(people.every((p) => p.faces.length === FACES_EACH)).toBe(true);

    const form = new FormData();
    form.append('file', new Blob([gz], { type: 'application/gzip' }), 'gallery.jsonl.gz');
    const imported = await fetch(`${target.url}/api/v1/gallery/import`, { method: 'POST', body: form });
    expect(imported.status).toBe(200);
    expect(await imported.json()).toMatchObject({ peopleCreated: PEOPLE, peopleMerged: 0, facesAdded: PEOPLE * FACES_EACH, facesSkipped: 0 });
    // And back: the target's export holds the same people and embeddings (a person's faces in any order: they were all
    // stored in the same moment there).
    const again = gunzipSync(Buffer.from(await (await fetch(`${target.url}/api/v1/gallery/export`)).arrayBuffer()))
      .toString('utf8')
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((l) => JSON.parse(l) as { name: string; faces: { embedding: string }[] });
    const embeddings = (ps: { name: string; faces: { embedding: string }[] }[]) =>
      ps.map(
        (p) =>
          `${p.name}:${p.faces
            .map((f) => f.embedding)
            .sort()
            .join(',')}`,
      );
    expect(embeddings(again)).toEqual(embeddings(people as { name: string; faces: { embedding: string }[] }[]));
  });

  it('streams a CSV export, gzip-encoded when the client accepts it and plain otherwise', { timeout: 60_000 }, async () => {
    const plain = await source.app.request('/api/v1/sightings?format=csv');
    const gz = await source.app.request('/api/v1/sightings?format=csv', { headers: { 'Accept-Encoding': 'gzip, deflate' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(gz.headers.get('vary')).toContain('Accept-Encoding');
    const text = await plain.text();
    expect(text).toBe('id,first_seen_at,last_seen_at,camera,model_id,best_score,best_person_id\r\n');
    expect(gunzipSync(Buffer.from(await gz.arrayBuffer())).toString('utf8')).toBe(text);
    const refused = await source.app.request('/api/v1/sightings?format=csv', { headers: { 'Accept-Encoding': 'gzip;q=0' } });
    expect(refused.headers.get('content-encoding')).toBeNull();
  });
});
