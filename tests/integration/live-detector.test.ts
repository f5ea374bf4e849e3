// The analyzer's live path (`mesh: false`): BlazeFace on onnxruntime-node finds the faces of webcam-like 640x480 frames
// of the fixture photos where Human's mesh path finds them, with boxes on the mesh's geometry; embedding such a frame
// runs the mesh, so its embeddings equal the mesh path's; a false positive is reported as not confirmed; and
// LIVE_DETECTOR=human keeps today's path. Real models, real photos.
import fs from 'node:fs';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { createFaceAnalyzer, meshCheck, type ModelAnalyzer } from '../../src/server/vision/analyzer.js';
import { EMBEDDING_MODEL_ID } from '../../src/server/vision/embedder.js';
import { loadLiveDetector } from '../../src/server/vision/live-detector.js';
import { createWorkerAnalyzer } from '../../src/server/vision/worker/worker-analyzer.js';
import type { Box } from '../../src/server/vision/detector.js';
import { FIXTURES } from '../../bench/lib/frames.js';
import { tempDir, testConfig } from '../helpers/server.js';

const PHOTOS = [
  'Barack_Obama/3.jpg',
  'Joe_Biden/2.jpg',
  'Guido_van_Rossum/5.jpg',
  'Paul_Allen/4.jpg',
  'Amy/2.jpg',
  '_group/two_people.jpg',
  '_group/obama_and_biden.jpg',
];
const MAX_PIXELS = 640 * 480;

async function webcamFrame(rel: string): Promise<Uint8Array> {
  return new Uint8Array(await sharp(`${FIXTURES}${rel}`).resize(640, 480, { fit: 'contain', background: '#000' }).jpeg({ quality: 85 }).toBuffer());
}

function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  return (ix * iy) / (a.width * a.height + b.width * b.height - ix * iy);
}

function cosine(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

describe('live detector (mesh: false)', () => {
  let analyzer: ModelAnalyzer;
  const frames = new Map<string, Uint8Array>();

  beforeAll(async () => {
    analyzer = await createFaceAnalyzer(testConfig(), () => {});
    for (const rel of PHOTOS) frames.set(rel, await webcamFrame(rel));
    await analyzer.embedAll(frames.get('Joe_Biden/2.jpg')!, MAX_PIXELS); // first calls build the models' constant tensors
  }, 120_000);

  it('is BlazeFace on onnxruntime-node, and says so in the model list /health shows', () => {
    expect(analyzer.models.some((m) => m.startsWith('live detector: onnx:blazeface-back-256 (onnxruntime-node 1.30.0'))).toBe(true);
    expect(analyzer.models.some((m) => m.startsWith('live faces: onnx:facemesh (onnxruntime-node 1.30.0'))).toBe(true);
  });

  it('finds the faces the mesh path finds, with boxes on the mesh geometry, and skips the mesh', { timeout: 120_000 }, async () => {
    let faces = 0;
    for (const rel of PHOTOS) {
      const full = await analyzer.analyze(frames.get(rel)!, MAX_PIXELS, { liveness: false });
      const fast = await analyzer.analyze(frames.get(rel)!, MAX_PIXELS, { liveness: false, mesh: false });
      if (!full.ok || !fast.ok) throw new Error(`${rel}: not analysed`);
      // Tentative detections (LIVE_DETECT_FLOOR up to DETECT_MIN_CONFIDENCE) are the live path's own extra: checked below.
      expect(fast.frame.faces.filter((f) => !f.tentative).length, rel).toBe(full.frame.faces.length);
      for (const f of full.frame.faces) {
        const best = Math.max(...fast.frame.faces.map((g) => iou(f.box, g.box)));
        expect(best, rel).toBeGreaterThan(0.6);
        faces += 1;
      }
      for (const g of fast.frame.faces) {
        expect(g.spoof).toBeUndefined(); // live frames are not scored for presentation attacks
        expect(Math.abs(g.pose.yaw)).toBeLessThan(1.6);
      }
      full.frame.release();
      fast.frame.release();
    }
    expect(faces).toBeGreaterThanOrEqual(PHOTOS.length + 3);
  });

  // The live path runs Human's mesh on BlazeFace's own boxes (face-mesh.ts) instead of Human's whole detect. The mesh
  // then sees a slightly different crop than on the mesh path, so its box, pose and embedding are close, not equal.
  // On the 25 faces of tests/fixtures/faces letterboxed to 640x480: box IoU 0.83-0.98, |yaw| within 0.08 rad,
  // embedding cosine 0.995-0.9999 (median 0.999), for half the embedding step's CPU.
  it('embeds a live frame as the mesh path does: the mesh box and pose, and an embedding within cosine 0.99', { timeout: 120_000 }, async () => {
    const tensors = analyzer.tensorCount();
    for (const rel of ['Joe_Biden/2.jpg', '_group/two_people.jpg']) {
      const full = await analyzer.analyze(frames.get(rel)!, MAX_PIXELS, { liveness: false });
      const fast = await analyzer.analyze(frames.get(rel)!, MAX_PIXELS, { liveness: false, mesh: false });
      if (!full.ok || !fast.ok) throw new Error(`${rel}: not analysed`);
      const a = await full.frame.embed(full.frame.faces.map((_, i) => i));
      const b = await fast.frame.embed(fast.frame.faces.map((_, i) => i));
      full.frame.release();
      fast.frame.release();
      expect(a[0]!.mesh).toBeUndefined();
      expect(b).toHaveLength(full.frame.faces.length);
      for (const e of b) {
        expect(e.mesh?.confirmed).toBe(true);
        // the same face as on the mesh path (up to the order of the faces)
        const k = full.frame.faces.findIndex((f) => iou(f.box, e.mesh!.box) > 0.8);
        expect(k, rel).toBeGreaterThanOrEqual(0);
        const pose = full.frame.faces[k]!.pose;
        expect(Math.abs(e.mesh!.pose.yaw - pose.yaw)).toBeLessThan(0.1);
        expect(Math.abs(e.mesh!.pose.pitch - pose.pitch)).toBeLessThan(0.1);
        expect(cosine(e.embedding, a[k]!.embedding)).toBeGreaterThan(0.99);
      }
    }
    expect(analyzer.tensorCount()).toBe(tensors);
  });

  // With the landmark net on TF.js (EMBED_RUNTIME=tfjs) the live path still builds the frame's tensor for it, and frees it.
  it('embeds a live frame with the landmark net on TF.js as on onnxruntime, and frees the frame tensor', { timeout: 120_000 }, async () => {
    const tfjsNets = await createFaceAnalyzer(testConfig({ EMBED_RUNTIME: 'tfjs' }), () => {});
    const jpeg = frames.get('_group/two_people.jpg')!;
    await tfjsNets.embedAll(frames.get('Joe_Biden/2.jpg')!, MAX_PIXELS); // face-api's first call builds its constant tensors
    const tensors = tfjsNets.tensorCount();
    const a = await analyzer.analyze(jpeg, MAX_PIXELS, { liveness: false, mesh: false });
    const b = await tfjsNets.analyze(jpeg, MAX_PIXELS, { liveness: false, mesh: false });
    if (!a.ok || !b.ok) throw new Error('not analysed');
    const ea = await a.frame.embed([0, 1]);
    const eb = await b.frame.embed([0, 1]);
    a.frame.release();
    b.frame.release();
    expect(eb.map((e) => e.mesh)).toEqual(ea.map((e) => e.mesh));
    for (let k = 0; k < 2; k++) expect(cosine(ea[k]!.embedding, eb[k]!.embedding)).toBeGreaterThan(0.99);
    expect(tfjsNets.tensorCount()).toBe(tensors);
  });

  it('does not confirm a detector box the mesh finds no face in (the top-left corner of the frame)', { timeout: 60_000 }, async () => {
    const fast = await analyzer.analyze(frames.get('Joe_Biden/2.jpg')!, MAX_PIXELS, { liveness: false, mesh: false });
    if (!fast.ok) throw new Error('not analysed');
    const face = fast.frame.faces[0]!;
    face.detectorBox = { x: 8, y: 4, width: 40, height: 40 };
    const [e] = await fast.frame.embed([0]);
    fast.frame.release();
    expect(e!.mesh).toEqual({ confirmed: false, box: face.box, pose: face.pose });
    // ...and does not embed it: the pipeline drops such a face, and its embedding would cost a face's.
    expect(e!.embedding).toHaveLength(0);
  });

  // tests/fixtures/faces/_scenes/small-face.jpg: an 80 px tight crop (Leonard/5 of the team's set, face-api.js, MIT) on a
  // grey 640x480 frame. BlazeFace scores it 0.39, under DETECT_MIN_CONFIDENCE (0.5): small faces beside a larger one
  // score 0.3-0.5 (docs/protocol.md §11, LIVE_DETECT_FLOOR).
  it('reports a small face it is unsure of as tentative, and the mesh confirms and embeds it', { timeout: 60_000 }, async () => {
    const jpeg = new Uint8Array(fs.readFileSync(`${FIXTURES}_scenes/small-face.jpg`));
    const fast = await analyzer.analyze(jpeg, MAX_PIXELS, { liveness: false, mesh: false });
    if (!fast.ok) throw new Error('not analysed');
    expect(fast.frame.faces).toHaveLength(1);
    const face = fast.frame.faces[0]!;
    expect(face.tentative).toBe(true);
    expect(face.score).toBeGreaterThanOrEqual(0.3);
    expect(face.score).toBeLessThan(0.5);
    // the tile is at (120, 200), 80x80
    expect(face.box.x + face.box.width / 2).toBeGreaterThan(120);
    expect(face.box.x + face.box.width / 2).toBeLessThan(200);
    const [e] = await fast.frame.embed([0]);
    fast.frame.release();
    expect(e!.mesh?.confirmed).toBe(true);
    expect(e!.embedding).toHaveLength(analyzer.dims);

    const floorOff = await createFaceAnalyzer(testConfig({ LIVE_DETECT_FLOOR: '0.5' }), () => {});
    const none = await floorOff.analyze(jpeg, MAX_PIXELS, { liveness: false, mesh: false });
    if (!none.ok) throw new Error('not analysed');
    expect(none.frame.faces).toEqual([]);
    none.frame.release();

    // The sure faces come out exactly as without the floor: unsure candidates are never averaged into their boxes.
    for (const rel of PHOTOS) {
      const a = await analyzer.analyze(frames.get(rel)!, MAX_PIXELS, { liveness: false, mesh: false });
      const b = await floorOff.analyze(frames.get(rel)!, MAX_PIXELS, { liveness: false, mesh: false });
      if (!a.ok || !b.ok) throw new Error(`${rel}: not analysed`);
      expect(
        a.frame.faces.filter((f) => !f.tentative),
        rel,
      ).toEqual(b.frame.faces);
      a.frame.release();
      b.frame.release();
    }
  });

  it('reports a box the mesh finds no face in as not confirmed, with the detection own box', () => {
    const face = { box: { x: 10, y: 10, width: 50, height: 50 }, score: 0.7, pose: { yaw: 0.1, pitch: 0, roll: 0 } };
    const meshed = [{ box: { x: 300, y: 200, width: 80, height: 90 }, score: 0.9, pose: { yaw: 0, pitch: 0.2, roll: 0 } }];
    expect(meshCheck(face, meshed)).toEqual({ confirmed: false, box: face.box, pose: face.pose });
    const near = { ...face, box: { x: 305, y: 205, width: 78, height: 88 } };
    expect(meshCheck(near, meshed)).toEqual({ confirmed: true, box: meshed[0]!.box, pose: meshed[0]!.pose });
  });

  it('takes the mesh path when liveness is asked, and with LIVE_DETECTOR=human', { timeout: 120_000 }, async () => {
    const jpeg = frames.get('Paul_Allen/4.jpg')!;
    const withLiveness = await analyzer.analyze(jpeg, MAX_PIXELS, { liveness: true, mesh: false });
    if (!withLiveness.ok) throw new Error('not analysed');
    expect(withLiveness.frame.faces[0]!.spoof).toEqual(expect.any(Number));
    withLiveness.frame.release();

    const human = await createFaceAnalyzer(testConfig({ LIVE_DETECTOR: 'human' }), () => {});
    expect(human.models).toContain('live detector: human (LIVE_DETECTOR=human)');
    const a = await human.analyze(jpeg, MAX_PIXELS, { liveness: false, mesh: false });
    const b = await human.analyze(jpeg, MAX_PIXELS, { liveness: false });
    if (!a.ok || !b.ok) throw new Error('not analysed');
    expect(a.frame.faces).toEqual(b.frame.faces);
    a.frame.release();
    b.frame.release();
  });

  it('refuses bad input on the live path with the same codes', async () => {
    const bad = await analyzer.analyze(new Uint8Array([1, 2, 3]), MAX_PIXELS, { liveness: false, mesh: false });
    expect(bad).toMatchObject({ ok: false, code: 'bad_image' });
    const big = await analyzer.analyze(frames.get('Amy/2.jpg')!, 100 * 100, { liveness: false, mesh: false });
    expect(big).toMatchObject({ ok: false, code: 'frame_too_large' });
  });
});

describe('live detector in an inference worker thread', () => {
  it('loads onnxruntime-node in the thread and answers mesh: false frames with mesh-checked embeddings', { timeout: 120_000 }, async () => {
    const worker = await createWorkerAnalyzer({
      TF_BACKEND: 'auto',
      DETECT_MIN_CONFIDENCE: 0.5,
      MAX_FACES: 10,
      LIVE_DETECTOR: 'auto',
      modelId: EMBEDDING_MODEL_ID,
    });
    try {
      expect(worker.models.some((m) => m.startsWith('live detector: onnx:blazeface-back-256'))).toBe(true);
      const result = await worker.analyze(await webcamFrame('_group/two_people.jpg'), MAX_PIXELS, { liveness: false, mesh: false });
      if (!result.ok) throw new Error('not analysed');
      expect(result.frame.faces).toHaveLength(2);
      const embedded = await result.frame.embed([0, 1]);
      result.frame.release();
      expect(embedded.map((e) => e.mesh?.confirmed)).toEqual([true, true]);
      expect(embedded[0]!.embedding).toHaveLength(worker.dims);
    } finally {
      await worker.close();
    }
  });
});

describe('live detector fallback', () => {
  it('falls back to the mesh path with the reason when the model cannot load, and refuses to under LIVE_DETECTOR=onnx', async () => {
    const empty = tempDir('facestream-no-models-');
    const auto = await loadLiveDetector('auto', { minConfidence: 0.5, maxFaces: 10, modelsDir: empty });
    expect(auto.detector).toBeNull();
    expect(auto.note).toMatch(/^live detector: human \(BlazeFace ONNX did not load: .*face_detection_back_256x256_barracuda\.onnx is missing\)$/);
    await expect(loadLiveDetector('onnx', { minConfidence: 0.5, maxFaces: 10, modelsDir: empty })).rejects.toThrow(
      /LIVE_DETECTOR=onnx but BlazeFace ONNX did not load/,
    );
  });
});
