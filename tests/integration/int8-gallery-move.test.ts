// A gallery enrolled under the float default moves to the int8 default at start without losing anything: the ResNet
// part is computed again from the stored crop (it reads even a 150 px one whole), MobileFaceNet's is kept from the
// stored embedding (gallery/reembed-plan.ts), so a face enrolled from its picture is not marked for re-enrolment though
// it kept only a 150 px crop, and the person is still named, on one photo and on another. Unknown sightings and
// recognitions stored before move too, so they can still be made faces (else: 409 model_mismatch).
import fs from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_EMBEDDING_MODEL, FLOAT_DEFAULT_MODEL } from '../../src/server/config.js';
import type { RunningServer } from '../../src/server/server.js';
import { openStore } from '../../src/server/store/db.js';
import { createFaceAnalyzer } from '../../src/server/vision/analyzer.js';
import { CHIP_SIZE } from '../../src/server/vision/chip-geometry.js';
import { readManifest, resolveModel } from '../../src/server/vision/models.js';
import { partWeights } from '../../src/server/vision/nets-embedder.js';
import { api, photo } from '../helpers/http.js';
import { startTestServer, tempDir, testConfig } from '../helpers/server.js';

interface Face {
  modelId: string;
  embeddedFromCropPx: number | null;
  reenrol: string | null;
}

const cosine = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let ab = 0,
    aa = 0,
    bb = 0;
  for (let i = 0; i < a.length; i++) [ab, aa, bb] = [ab + a[i]! * b[i]!, aa + a[i]! ** 2, bb + b[i]! ** 2];
  return ab / Math.sqrt(aa * bb);
};

describe('a float-default gallery moved to the int8 default', () => {
  let server: RunningServer | undefined;
  let dir: string;
  let personId: string;
  let faceId: string;
  let stored: Float32Array;
  let sightingId: string;
  let recognitionId: string;

  beforeAll(async () => {
    const float = await createFaceAnalyzer(testConfig({ EMBEDDING_MODEL: FLOAT_DEFAULT_MODEL }), () => {}, { model: resolveModel(FLOAT_DEFAULT_MODEL) });
    const r = await float.embedAll(fs.readFileSync('tests/fixtures/faces/Barack_Obama/1.jpg'), 4096 * 4096);
    if (!r.ok || !r.faces[0]) throw new Error('fixture face not found');
    stored = r.faces[0].embedding;
    // As a server before 2026-12-06 stored it: the embedding made from the picture, and a 150 px crop only.
    const crop = await sharp(Buffer.from(r.faces[0].chip), { raw: { width: CHIP_SIZE, height: CHIP_SIZE, channels: 3 } })
      .jpeg({ quality: 90 })
      .toBuffer();
    dir = tempDir();
    const store = await openStore({ dataDir: dir });
    const enrolled = await store.commitEnrolment({ name: 'Barack', modelId: FLOAT_DEFAULT_MODEL, faces: [{ embedding: stored, crop }] });
    [personId, faceId] = [enrolled.personId, enrolled.faceIds[0]!];
    // A stranger seen at a camera, and Barack recognized there, under the float model, each with its wide chip.
    const joe = await float.embedAll(fs.readFileSync('tests/fixtures/faces/Joe_Biden/1.jpg'), 4096 * 4096);
    const barack2 = await float.embedAll(fs.readFileSync('tests/fixtures/faces/Barack_Obama/4.jpg'), 4096 * 4096);
    if (!joe.ok || !joe.faces[0]?.wideChip || !barack2.ok || !barack2.faces[0]?.wideChip) throw new Error('fixture faces not found');
    const wide = (chip: Uint8Array) =>
      sharp(Buffer.from(chip), { raw: { width: 220, height: 220, channels: 3 } })
        .jpeg({ quality: 90 })
        .toBuffer();
    const now = new Date();
    sightingId = await store.sightings.insert({
      firstSeenAt: now,
      lastSeenAt: now,
      camera: 'door',
      modelId: FLOAT_DEFAULT_MODEL,
      embedding: joe.faces[0].embedding,
      crop: await wide(joe.faces[0].wideChip),
      bestScore: null,
      bestPersonId: null,
    });
    recognitionId = await store.recognitions.insert({
      personId,
      camera: 'door',
      seenAt: now,
      score: 0.9,
      modelId: FLOAT_DEFAULT_MODEL,
      embedding: barack2.faces[0].embedding,
      crop: await wide(barack2.faces[0].wideChip),
    });
    await store.close();
    server = await startTestServer({ DATA_DIR: dir });
  }, 240_000);
  afterAll(async () => {
    await server?.close();
  });

  it('keeps the face as it was made: under the new model, not marked for re-enrolment', async () => {
    expect(server!.analyzer.modelId).toBe(DEFAULT_EMBEDDING_MODEL);
    const faces = ((await (await api(server!).get(`/api/v1/people/${personId}/faces`)).json()) as { items: Face[] }).items;
    expect(faces).toEqual([expect.objectContaining({ modelId: DEFAULT_EMBEDDING_MODEL, embeddedFromCropPx: null, reenrol: null })]);
  });

  it('names him on the enrolment photo and on another one', async () => {
    for (const rel of ['Barack_Obama/1.jpg', 'Barack_Obama/4.jpg']) {
      const res = await api(server!).upload('/api/v1/identify', [photo(rel, 'image')]);
      const body = (await res.json()) as { faces: { person: { id: string } | null }[] };
      expect(
        body.faces.map((f) => f.person?.id),
        rel,
      ).toEqual([personId]);
    }
  });

  it('lets the operator make faces of a sighting and a recognition stored before the move', async () => {
    const http = api(server!);
    const promoted = await http.json('POST', `/api/v1/sightings/${sightingId}/promote`, { name: 'Joe' });
    expect(promoted.status, await promoted.clone().text()).toBe(201);
    const added = await http.json('POST', `/api/v1/recognitions/${recognitionId}/add-to-person`, {});
    expect(added.status, await added.clone().text()).toBe(201);
    const faces = ((await (await http.get(`/api/v1/people/${personId}/faces`)).json()) as { items: Face[] }).items;
    expect(faces.map((f) => f.modelId)).toEqual([DEFAULT_EMBEDDING_MODEL, DEFAULT_EMBEDDING_MODEL]);
    // The promoted stranger is named on another photo of him.
    const who = (await (await http.upload('/api/v1/identify', [photo('Joe_Biden/2.jpg', 'image')])).json()) as { faces: { person: { name: string } | null }[] };
    expect(who.faces.map((f) => f.person?.name)).toContain('Joe');
  });

  it("carries MobileFaceNet's part over exactly, and makes the ResNet part close to the float one", async () => {
    await server!.close();
    server = undefined;
    const store = await openStore({ dataDir: dir });
    try {
      const t = (await store.listFaceTemplates(DEFAULT_EMBEDDING_MODEL)).find((f) => f.faceId === faceId);
      const [wf, wq] = [partWeights(Object.values(readManifest(FLOAT_DEFAULT_MODEL)!.fusion!)), partWeights(readManifest(DEFAULT_EMBEDDING_MODEL)!.nets!)];
      const part = (v: Float32Array, from: number, to: number, w: number) => Array.from(v.slice(from, to), (x) => x / w);
      expect(cosine(part(t!.embedding, 128, 320, wq[1]!), part(stored, 128, 320, wf[1]!))).toBeGreaterThan(0.99999);
      // The ResNet part: the int8 network on the stored (JPEG) chip against the float one on the picture's chip.
      expect(cosine(part(t!.embedding, 0, 128, wq[0]!), part(stored, 0, 128, wf[0]!))).toBeGreaterThan(0.99);
    } finally {
      await store.close();
    }
  });
});
