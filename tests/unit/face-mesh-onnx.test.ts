// The face mesh on onnxruntime (models/facemesh/facemesh.onnx, converted by train/export-facemesh-onnx.py) against
// Human's TF.js model, the file it was converted from, through each one's meshAt: the same BlazeFace boxes of real
// webcam-like frames give the same confidence verdicts, the same mesh boxes to a pixel and the same head pose.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RgbImage } from '../../src/server/vision/align.js';
import { decodeImage } from '../../src/server/vision/decode.js';
import { createDetector, type Box, type Detector } from '../../src/server/vision/detector.js';
import { FACE_MESH_MODEL, loadOnnxFaceMesh, type OnnxFaceMesh } from '../../src/server/vision/face-mesh-onnx.js';
import { loadLiveDetector, type LiveDetector } from '../../src/server/vision/live-detector.js';
import { MODELS_DIR } from '../../src/server/vision/models.js';
import { loadRuntime, type Runtime } from '../../src/server/vision/runtime.js';

const FACES = path.resolve('tests/fixtures/faces');
const MIN_CONFIDENCE = 0.2;

/** Every fixture photo letterboxed into a 640x480 frame, as a webcam would send it. */
function photos(): string[] {
  return fs
    .readdirSync(FACES, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => fs.readdirSync(path.join(FACES, d.name)).map((f) => path.join(d.name, f)))
    .filter((f) => f.endsWith('.jpg'))
    .sort();
}

async function frame(rel: string): Promise<RgbImage> {
  const jpeg = await sharp(path.join(FACES, rel)).resize(640, 480, { fit: 'contain', background: '#000' }).jpeg({ quality: 85 }).toBuffer();
  const decoded = await decodeImage(new Uint8Array(jpeg), 640 * 480);
  if (!decoded.ok) throw new Error(`${rel}: ${decoded.message}`);
  return decoded.image;
}

describe('face mesh on onnxruntime', () => {
  let rt: Runtime;
  let tfjs: Detector;
  let onnx: OnnxFaceMesh;
  let blazeface: LiveDetector;

  beforeAll(async () => {
    rt = await loadRuntime('wasm', () => {});
    tfjs = await createDetector(rt, { minConfidence: MIN_CONFIDENCE, maxFaces: 10 });
    const loaded = await loadOnnxFaceMesh(MODELS_DIR);
    if (!loaded.mesh) throw new Error(loaded.note);
    onnx = loaded.mesh;
    const live = await loadLiveDetector('onnx', { minConfidence: MIN_CONFIDENCE, maxFaces: 10, modelsDir: MODELS_DIR });
    blazeface = live.detector!;
  }, 120_000);

  it('says which model and runtime it is', () => {
    expect(onnx.description).toMatch(/^onnx:facemesh \(onnxruntime-node 1\.30\.\d+, 1 thread\)$/);
  });

  it('gives the TF.js model boxes to a pixel and the same pose, on every fixture face, in one batch a frame', { timeout: 120_000 }, async () => {
    let faces = 0;
    for (const rel of photos()) {
      const image = await frame(rel);
      const found = await blazeface.detect(image);
      const boxes = found.map((f) => f.detectorBox!);
      const scores = found.map((f) => f.score);
      // A box over no face too (the frame's top-left corner): both must say "no face" there.
      boxes.push({ x: 4, y: 4, width: 48, height: 48 });
      scores.push(0.5);
      const tensor = rt.tf.tensor3d(new Float32Array(image.data), [image.height, image.width, 3], 'float32');
      const expected = await tfjs.meshAt!(tensor, boxes, scores);
      tensor.dispose();
      const actual = await onnx.meshAt(image, boxes, scores, MIN_CONFIDENCE);
      expect(actual).toHaveLength(boxes.length);
      expect(actual.at(-1), `${rel}: the corner`).toBeNull();
      for (let k = 0; k < boxes.length; k++) {
        const [a, e] = [actual[k], expected[k]];
        expect(a === null, `${rel} face ${k}: confidence verdict`).toBe(e === null);
        if (!a || !e) continue;
        faces++;
        for (const side of ['x', 'y', 'width', 'height'] as (keyof Box)[]) expect(Math.abs(a.box[side] - e.box[side]), `${rel} ${side}`).toBeLessThanOrEqual(1);
        for (const angle of ['yaw', 'pitch', 'roll'] as const) expect(Math.abs(a.pose[angle] - e.pose[angle]), `${rel} ${angle}`).toBeLessThan(0.02);
        expect(a.score).toBe(scores[k]);
      }
    }
    expect(faces).toBeGreaterThanOrEqual(25);
  });

  it('refuses a model file that is not the committed one, with the reason', async () => {
    const dir = fs.mkdtempSync(path.join(fs.mkdtempSync('/tmp/facemesh-'), 'models-'));
    fs.mkdirSync(path.join(dir, path.dirname(FACE_MESH_MODEL)));
    fs.writeFileSync(path.join(dir, FACE_MESH_MODEL), 'not a model');
    const loaded = await loadOnnxFaceMesh(dir);
    expect(loaded.mesh).toBeNull();
    expect(loaded.note).toMatch(/^face mesh ONNX did not load: facemesh\/facemesh\.onnx has sha256 [0-9a-f]{64}, expected 89fda9d3/);
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  });
});
