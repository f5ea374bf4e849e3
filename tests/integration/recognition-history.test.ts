// Recognition history on a real server with the real models: a recognized track's face (from a real photo) is kept once
// per track; REST lists it by person and camera with its crop; "not them" removes it without touching the gallery, and
// "add to them" makes it a face the gallery searches. Retention deletes old records.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WIDE_CHIP_SIZE } from '../../src/server/vision/chip-geometry.js';
import { CameraAttendance } from '../../src/server/attendance/camera-attendance.js';
import { RecognitionRecorder } from '../../src/server/attendance/recognition-history.js';
import { silentLogger } from '../../src/server/log.js';
import type { RunningServer } from '../../src/server/server.js';
import type { TrackSnapshot } from '../../src/server/tracking/tracker.js';
import { api, errorCode, photo } from '../helpers/http.js';
import { rawDrizzle } from '../../src/server/store/db.js';
import { recognitions } from '../../src/server/store/schema.js';
import { eq } from 'drizzle-orm';
import { startTestServer } from '../helpers/server.js';
import { fixture, TestClient } from '../helpers/ws-client.js';
import { PROTOCOL_VERSION } from '../../src/shared/protocol.js';

type Item = { id: string; personId: string; personName: string; camera: string; score: number; cropUrl: string | null };

describe('recognition history', () => {
  let server: RunningServer;
  let http: ReturnType<typeof api>;
  let guido: string;
  let recorder: RecognitionRecorder;
  let attendance: CameraAttendance;

  beforeAll(async () => {
    server = await startTestServer();
    http = api(server);
    guido = ((await (await http.json('POST', '/api/v1/people', { name: 'Guido van Rossum' })).json()) as { id: string }).id;
    expect((await http.upload(`/api/v1/people/${guido}/faces`, [photo('Guido_van_Rossum/1.jpg'), photo('Guido_van_Rossum/3.jpg')])).status).toBe(200);
    recorder = new RecognitionRecorder(server.store.recognitions, server.analyzer.modelId, silentLogger);
    attendance = new CameraAttendance({ checkins: null, sightings: server.sightings, clock: Date.now, history: recorder }, server.analyzer.modelId, 0);
  }, 180_000);
  afterAll(() => server?.close());

  const track = (id: number): TrackSnapshot => ({
    id,
    state: 'recognized',
    personId: guido,
    name: 'Guido van Rossum',
    score: 0.8,
    box: { x: 0, y: 0, width: 100, height: 100 },
    age: 3,
  });
  /** What the pipeline hands CameraAttendance.matched for a face of Guido: the real embedding and aligned chip. */
  async function seeGuido(trackId: number, file: string): Promise<void> {
    const r = await server.analyzer.embedAll(fixture(file), 4_000_000);
    if (!r.ok) throw new Error(r.message);
    const face = r.faces[0]!;
    attendance.matched(trackId, { personId: guido, score: 0.8, embedding: face.embedding, chip: face.chip, quality: 0.9 });
    for (let i = 0; i < 3; i++) attendance.frameSeen([track(trackId)], 'door');
    await recorder.whenIdle();
  }
  const list = async (q = '') => (await (await http.get(`/api/v1/recognitions${q}`)).json()) as { items: Item[]; total: number };

  it('keeps one record per recognized track, with its face, listed by person and camera', async () => {
    await seeGuido(7, 'Guido_van_Rossum/2.jpg');
    const all = await list();
    expect(all.total).toBe(1);
    expect(all.items[0]).toMatchObject({ personId: guido, personName: 'Guido van Rossum', camera: 'door', score: 0.8 });
    const crop = await http.get(all.items[0]!.cropUrl!);
    expect(crop.headers.get('content-type')).toBe('image/jpeg');
    expect([...new Uint8Array(await crop.arrayBuffer()).subarray(0, 2)]).toEqual([0xff, 0xd8]);
    expect((await list(`?personId=${guido}&camera=door`)).total).toBe(1);
    expect((await list('?camera=back')).total).toBe(0);
  });

  it('"not them" hides a record and leaves the gallery alone; it can be undone within RECOGNITIONS_UNDO_MS, then not', async () => {
    const faces = server.gallery.stats().faces;
    const [rec] = (await list()).items;
    const before = Date.now();
    const res = await http.del(`/api/v1/recognitions/${rec!.id}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { id: string; undoUntil: string };
    expect(body.id).toBe(rec!.id);
    expect(body.undoUntil).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(body.undoUntil) - before).toBeGreaterThanOrEqual(10 * 60_000 - 1000); // the default window
    expect((await list()).total).toBe(0);
    expect(server.gallery.stats().faces).toBe(faces);
    const again = await http.raw('POST', `/api/v1/recognitions/${rec!.id}/add-to-person`);
    expect([again.status, await errorCode(again)]).toEqual([404, 'not_found']); // never becomes a face
    expect((await http.del(`/api/v1/recognitions/${rec!.id}`)).status).toBe(404); // already removed

    // Undo: back in the list, as it was.
    const restored = await http.raw('POST', `/api/v1/recognitions/${rec!.id}/restore`);
    expect(restored.status).toBe(200);
    expect(await restored.json()).toEqual(rec);
    expect((await list()).items).toEqual([rec]);
    expect((await http.raw('POST', `/api/v1/recognitions/${rec!.id}/restore`)).status).toBe(404); // nothing to undo

    // Past the window: no undo, and retention deletes it.
    expect((await http.del(`/api/v1/recognitions/${rec!.id}`)).status).toBe(200);
    await rawDrizzle(server.store)
      .update(recognitions)
      .set({ dismissedAt: new Date(Date.now() - 11 * 60_000) })
      .where(eq(recognitions.id, rec!.id));
    const late = await http.raw('POST', `/api/v1/recognitions/${rec!.id}/restore`);
    expect([late.status, await errorCode(late)]).toEqual([404, 'not_found']);
    expect(await server.store.recognitions.prune({ now: new Date(), retentionDays: 0, maxRows: 0, dismissedBefore: new Date(Date.now() - 10 * 60_000) })).toBe(
      1,
    );
    expect(await server.store.recognitions.crop(rec!.id)).toBeNull();
  });

  it('"add to them" makes the face one of theirs, searched by the gallery at once', async () => {
    await seeGuido(8, 'Guido_van_Rossum/4.jpg');
    const [rec] = (await list()).items;
    const faces = server.gallery.stats().faces;
    const res = await http.raw('POST', `/api/v1/recognitions/${rec!.id}/add-to-person`);
    expect(res.status).toBe(201);
    const added = (await res.json()) as { faceId: string; personId: string };
    expect(added.personId).toBe(guido);
    expect(server.gallery.stats().faces).toBe(faces + 1);
    expect((await list()).total).toBe(0);
    const stored = (await (await http.get(`/api/v1/people/${guido}/faces`)).json()) as { items: { id: string }[] };
    expect(stored.items.map((f) => f.id)).toContain(added.faceId);
  });

  it('retention deletes records older than the limit', async () => {
    const r = await server.analyzer.embedAll(fixture('Guido_van_Rossum/2.jpg'), 4_000_000);
    if (!r.ok) throw new Error(r.message);
    const base = { personId: guido, camera: 'door', score: 0.7, modelId: server.analyzer.modelId, embedding: r.faces[0]!.embedding, crop: null };
    await server.store.recognitions.insert({ ...base, seenAt: new Date(Date.now() - 10 * 86_400_000) });
    await server.store.recognitions.insert({ ...base, seenAt: new Date() });
    expect(await server.store.recognitions.prune({ now: new Date(), retentionDays: 7, maxRows: 0 })).toBe(1);
    expect((await list()).total).toBe(1);
  });
  it('a camera socket records its recognition with the wide crop an enrolment stores, so it can become a face', { timeout: 60_000 }, async () => {
    const cam = await TestClient.connect(server.url, { hello: false });
    cam.sendJson({ type: 'hello', protocol: PROTOCOL_VERSION, camera: 'lobby' });
    await cam.next((m) => m.type === 'welcome');
    for (let i = 0; i < 8 && (await cam.frame(fixture('Guido_van_Rossum/2.jpg'))).tracks[0]?.state !== 'recognized'; i++);
    cam.close();
    await expect.poll(async () => (await list('?camera=lobby')).total, { timeout: 20_000 }).toBe(1);
    const [rec] = (await list('?camera=lobby')).items;
    const jpeg = Buffer.from(await (await http.get(rec!.cropUrl!)).arrayBuffer());
    // Issue 21: added to the person later, the face moves to any model whole.
    expect(await sharp(jpeg).metadata()).toMatchObject({ width: WIDE_CHIP_SIZE, height: WIDE_CHIP_SIZE });
  });
});
