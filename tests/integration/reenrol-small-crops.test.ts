// Issue 21, "galleries move across safely": when the server starts on a model that reads the ArcFace crop (the fused
// default, EdgeFace), faces of an older compatible model are re-embedded from their stored crops. A 150 px crop, what
// every face stored before 2026-12-06 kept, cuts off the top of that crop, so such a face is searched but marked for
// re-enrolment: on its Face (REST), in /api/v1/index and in /health's faces by model. A 220 px crop holds it whole and
// is not marked; a face embedded from its own picture is not either. The mark travels with a gallery export.
import { gunzipSync } from 'node:zlib';
import fs from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { MEMORY, openStore } from '../../src/server/store/db.js';
import type { ModelAnalyzer } from '../../src/server/vision/analyzer.js';
import { CHIP_SIZE, WIDE_CHIP_SIZE } from '../../src/server/vision/chip-geometry.js';
import { embedsArcfaceCrop } from '../../src/server/vision/models.js';
import { api, photo } from '../helpers/http.js';
import { sharedAnalyzer, startTestServer, tempDir } from '../helpers/server.js';

/** A model whose crops are dlib chips of padding 0.25, as the default's: its faces can be moved to the default. */
const OLD_MODEL = 'dlib-resnet128.chip150.crop1.25.flip.v1';

interface Face {
  id: string;
  modelId: string;
  embeddedFromCropPx: number | null;
  reenrol: string | null;
}

const jpeg = (chip: Uint8Array, side: number) =>
  sharp(Buffer.from(chip), { raw: { width: side, height: side, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();

describe('re-enrolment offered where a stored crop is too small for the model', () => {
  let server: RunningServer;
  let target: RunningServer;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const analyzer = (await sharedAnalyzer()) as ModelAnalyzer;
    // The test is about a model that reads the ArcFace crop; the default does (MobileFaceNet in the fusion).
    expect(embedsArcfaceCrop(analyzer.manifest)).toBe(true);
    const r = await analyzer.embedAll(fs.readFileSync('tests/fixtures/faces/Barack_Obama/1.jpg'), 4096 * 4096);
    if (!r.ok || !r.faces[0]?.wideChip) throw new Error('fixture face (with its wide chip) not found');
    const face = r.faces[0];
    const dir = tempDir();
    // A gallery written by a server that ran the older model: one face kept the old 150 px chip, one the 220 px chip.
    const store = await openStore({ dataDir: dir });
    const wrong = Float32Array.from({ length: 128 }, (_, i) => (i === 0 ? 1 : 0));
    ids.small = (
      await store.commitEnrolment({ name: 'Small crop', modelId: OLD_MODEL, faces: [{ embedding: wrong, crop: await jpeg(face.chip, CHIP_SIZE) }] })
    ).personId;
    // And one with no crop at all: start-up cannot move it, so it stays under the old model, not searched.
    ids.stale = (await store.commitEnrolment({ name: 'No crop', modelId: OLD_MODEL, faces: [{ embedding: wrong }] })).personId;
    ids.wide = (
      await store.commitEnrolment({ name: 'Wide crop', modelId: OLD_MODEL, faces: [{ embedding: wrong, crop: await jpeg(face.wideChip!, WIDE_CHIP_SIZE) }] })
    ).personId;
    await store.close();
    server = await startTestServer({ DATA_DIR: dir });
    target = await startTestServer({ DATA_DIR: MEMORY });
    const http = api(server);
    ids.fresh = ((await (await http.json('POST', '/api/v1/people', { name: 'Enrolled now' })).json()) as { id: string }).id;
    expect((await http.upload(`/api/v1/people/${ids.fresh}/faces`, [photo('Paul_Allen/1.jpg')])).status).toBe(200);
  }, 180_000);
  afterAll(async () => {
    await Promise.all([server?.close(), target?.close()]);
  });

  const facesOf = async (s: RunningServer, personId: string) =>
    ((await (await api(s).get(`/api/v1/people/${personId}/faces`)).json()) as { items: Face[] }).items;

  it('marks the face re-embedded from a 150 px crop, and neither the 220 px one nor one enrolled from its picture', async () => {
    const model = server.analyzer.modelId;
    const [small] = await facesOf(server, ids.small!);
    expect(small).toMatchObject({ modelId: model, embeddedFromCropPx: 150 });
    expect(small!.reenrol).toMatch(new RegExp(`re-embedded for ${model.replace(/\./g, '\\.')} from a 150 px stored crop`));
    expect(await facesOf(server, ids.wide!)).toEqual([expect.objectContaining({ modelId: model, embeddedFromCropPx: 220, reenrol: null })]);
    expect(await facesOf(server, ids.fresh!)).toEqual([expect.objectContaining({ modelId: model, embeddedFromCropPx: null, reenrol: null })]);
    // All three are searched: the re-embedded ones are in the index under the running model.
    const index = await (await api(server).get('/api/v1/index')).json();
    expect(index).toMatchObject({
      faces: 3,
      staleFaces: 1,
      reenrolFaces: 1,
      facesByModel: [
        { modelId: model, faces: 3 },
        { modelId: OLD_MODEL, faces: 1 },
      ],
    });
  });

  it('lists the people to enrol again: a face moved from a small crop, or one another model made', async () => {
    type Entry = { name: string; enrolAgain: number };
    const library = async (q = '') => (await (await api(server).get(`/api/v1/library?limit=10${q}`)).json()) as { items: Entry[]; total: number };
    const all = await library();
    expect(Object.fromEntries(all.items.map((p) => [p.name, p.enrolAgain]))).toEqual({ 'Enrolled now': 0, 'No crop': 1, 'Small crop': 1, 'Wide crop': 0 });
    const only = await library('&enrolAgain=true');
    expect([only.total, only.items.map((p) => p.name)]).toEqual([2, ['No crop', 'Small crop']]);
    expect((await library('&enrolAgain=true&q=small')).items.map((p) => p.name)).toEqual(['Small crop']);
  });

  it('says on /health which model the stored faces were embedded with', async () => {
    const health = (await (await api(server).get('/health')).json()) as { gallery: { facesByModel: unknown }; inference: { embeddingModel: string } };
    expect(health.gallery.facesByModel).toEqual([
      { modelId: health.inference.embeddingModel, faces: 3 },
      { modelId: OLD_MODEL, faces: 1 },
    ]);
  });

  it('keeps the mark through a gallery export and import', { timeout: 60_000 }, async () => {
    const gz = Buffer.from(await (await fetch(`${server.url}/api/v1/gallery/export`)).arrayBuffer());
    const people = gunzipSync(gz)
      .toString('utf8')
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((l) => JSON.parse(l) as { name: string; faces: { embeddedFromCropPx: number | null }[] });
    expect(Object.fromEntries(people.map((p) => [p.name, p.faces.map((f) => f.embeddedFromCropPx)]))).toEqual({
      'Small crop': [150],
      'Wide crop': [220],
      'Enrolled now': [null],
    });
    const form = new FormData();
    form.append('file', new Blob([gz], { type: 'application/gzip' }), 'gallery.jsonl.gz');
    expect((await fetch(`${target.url}/api/v1/gallery/import`, { method: 'POST', body: form })).status).toBe(200);
    const byName = new Map(
      ((await (await api(target).get('/api/v1/library?limit=10')).json()) as { items: { id: string; name: string }[] }).items.map((p) => [p.name, p.id]),
    );
    const [small] = await facesOf(target, byName.get('Small crop')!);
    expect(small).toMatchObject({ embeddedFromCropPx: 150, reenrol: expect.stringMatching(/150 px stored crop/) });
    expect((await (await api(target).get('/api/v1/index')).json()).reenrolFaces).toBe(1);
  });
});
