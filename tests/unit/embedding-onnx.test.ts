// The embedding's networks on onnxruntime-node (embed-onnx.ts, files made by train/export-embedding-onnx.py) against
// the TF.js path they replace, on the committed fixture faces: the same landmarks (within a small fraction of a pixel),
// the same ResNet and MobileFaceNet vectors (cosine >= 0.999 per face), so the fused model id, its stored galleries
// and its threshold stay valid on either runtime. Also: MobileFaceNet on ORT against Google's TFLite runtime
// (tests/fixtures/mobilefacenet/reference.json), and a frame's faces in one batch giving what each gives alone.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { createFaceAnalyzer, type ModelAnalyzer } from '../../src/server/vision/analyzer.js';
import { EMBED_ONNX_FILES, loadEmbedNets, packBatch, type EmbedNets } from '../../src/server/vision/embed-onnx.js';
import { mirrorChip } from '../../src/server/vision/embedder.js';
import { FUSED_MODEL_ID, fusionWeights, splitParts } from '../../src/server/vision/fused-embedder.js';
import { cropAndResize } from '../../src/server/vision/landmarks.js';
import { MODELS_DIR, resolveModel } from '../../src/server/vision/models.js';
import { loadRuntime } from '../../src/server/vision/runtime.js';
import { testConfig } from '../helpers/server.js';
import { fixture, NETWORK_CHECK_PHOTOS } from '../helpers/ws-client.js';

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0,
    aa = 0,
    bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return ab / Math.sqrt(aa * bb);
}

const PHOTOS = NETWORK_CHECK_PHOTOS;
const photo = fixture;
const MFN_DIR = 'tests/fixtures/mobilefacenet';

describe('embedding networks on onnxruntime-node', () => {
  let onnx: ModelAnalyzer, tfjs: ModelAnalyzer, nets: EmbedNets;
  beforeAll(async () => {
    // One after the other: two analyzers loading Human's models at once in one process trip over each other.
    const make = (EMBED_RUNTIME: string) => createFaceAnalyzer(testConfig({ EMBED_RUNTIME }), () => {}, { model: resolveModel(FUSED_MODEL_ID) });
    onnx = await make('onnx');
    tfjs = await make('tfjs');
    nets = (await loadEmbedNets('onnx', MODELS_DIR)).nets!;
  }, 180_000);

  it('says which runtime runs them in the model list', () => {
    const o = onnx.models.join('\n'),
      t = tfjs.models.join('\n');
    expect(o).toMatch(/face_landmark_68, onnx \(onnxruntime-node/);
    expect(o).toMatch(/face_recognition \(dlib ResNet-34\), onnx/);
    expect(o).toMatch(/mobilefacenet:192 .*, onnx/);
    expect(t).toMatch(/face_landmark_68, tfjs/);
    expect(t).toMatch(/face_recognition \(dlib ResNet-34\), tfjs/);
  });

  it('gives the TF.js landmarks and embeddings on fixture photos: landmarks within 0.01 px, each network cosine >= 0.999', { timeout: 180_000 }, async () => {
    const w = fusionWeights(onnx.manifest.fusion!);
    let faces = 0,
      worstPx = 0,
      worstCos = 1;
    for (const rel of PHOTOS) {
      const a = await onnx.embedAll(photo(rel), 4096 * 4096),
        b = await tfjs.embedAll(photo(rel), 4096 * 4096);
      if (!a.ok || !b.ok) throw new Error(`${rel}: not analysed`);
      expect(a.faces.length, rel).toBe(b.faces.length);
      expect(a.faces.length, rel).toBeGreaterThan(0);
      a.faces.forEach((fa, i) => {
        const fb = b.faces[i]!;
        for (let k = 0; k < 68; k++)
          worstPx = Math.max(worstPx, Math.abs(fa.landmarks[k]!.x - fb.landmarks[k]!.x), Math.abs(fa.landmarks[k]!.y - fb.landmarks[k]!.y));
        const pa = splitParts(w, fa.embedding),
          pb = splitParts(w, fb.embedding);
        worstCos = Math.min(worstCos, cosine(pa.resnet, pb.resnet), cosine(pa.mobilefacenet, pb.mobilefacenet), cosine(fa.embedding, fb.embedding));
        faces++;
      });
    }
    expect(faces).toBeGreaterThanOrEqual(PHOTOS.length + 1); // the group photo has two
    expect(worstPx).toBeLessThan(0.01); // measured 6e-5 px
    expect(worstCos).toBeGreaterThanOrEqual(0.999); // measured 0.999999
  });

  it('re-embeds stored chips as TF.js does (cosine >= 0.999)', { timeout: 60_000 }, async () => {
    const r = await tfjs.embedAll(photo('Barack_Obama/2.jpg'), 4096 * 4096);
    if (!r.ok) throw new Error('no face');
    const chips = r.faces.map((f) => f.chip);
    const a = await onnx.embedChips(chips),
      b = await tfjs.embedChips(chips);
    a.forEach((v, i) => expect(cosine(v, b[i]!)).toBeGreaterThanOrEqual(0.999));
  });

  it('MobileFaceNet on ORT matches Google TFLite runtime on the fixture crops (cosine >= 0.999)', async () => {
    const reference = JSON.parse(fs.readFileSync(path.join(MFN_DIR, 'reference.json'), 'utf8')) as {
      crops: Record<string, { crop: number[]; mirror: number[] }>;
    };
    const names = Object.keys(reference.crops);
    expect(names.length).toBeGreaterThanOrEqual(5);
    for (const name of names) {
      const crop = new Uint8Array((await sharp(path.join(MFN_DIR, name)).removeAlpha().raw().toBuffer({ resolveWithObject: true })).data);
      const [out, mirror] = await nets.mobilefacenet.run(packBatch([crop, mirrorChip(crop, 112)], 112), 2);
      expect(cosine(out!, reference.crops[name]!.crop), name).toBeGreaterThanOrEqual(0.999);
      expect(cosine(mirror!, reference.crops[name]!.mirror), name).toBeGreaterThanOrEqual(0.999);
    }
  });

  it('a batch gives what each input gives alone (the faces of a frame and their mirrors share one run)', async () => {
    const crops = await Promise.all(
      ['Amy_1.png', 'Joe_Biden_1.png', 'Barack_Obama_2.png'].map(
        async (n) => new Uint8Array(await sharp(path.join(MFN_DIR, n)).removeAlpha().raw().toBuffer()),
      ),
    );
    const chips = await Promise.all(
      ['Amy_1.png', 'Joe_Biden_1.png'].map(async (n) => new Uint8Array(await sharp(path.join(MFN_DIR, n)).removeAlpha().resize(150, 150).raw().toBuffer())),
    );
    const together = await nets.mobilefacenet.run(packBatch(crops, 112), crops.length);
    for (const [i, c] of crops.entries()) expect(cosine((await nets.mobilefacenet.run(c, 1))[0]!, together[i]!)).toBeGreaterThan(0.99999);
    const both = await nets.resnet.run(packBatch(chips, 150), 2);
    for (const [i, c] of chips.entries()) expect(cosine((await nets.resnet.run(c, 1))[0]!, both[i]!)).toBeGreaterThan(0.99999);
  });

  it('cuts the landmark crop as tf.image.cropAndResize does, borders included', async () => {
    const rt = await loadRuntime('wasm', () => {});
    const { data, info } = await sharp(photo('Joe_Biden/2.jpg')).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const image = { data: new Uint8Array(data), width: info.width, height: info.height };
    // One box inside the image, one past its top-left corner (zeros there), one a non-integer box past the bottom right.
    const boxes = [
      { x: 40.5, y: 20.25, width: 150.7, height: 150.7 },
      { x: -30, y: -12, width: 120, height: 120 },
      { x: info.width - 70.3, y: info.height - 50.6, width: 99.9, height: 99.9 },
    ];
    const ours = new Float32Array(boxes.length * 112 * 112 * 3);
    boxes.forEach((b, i) => cropAndResize(image, b, 112, ours, i * 112 * 112 * 3));
    const theirs = rt.tf.tidy(() =>
      rt.tf.image
        .cropAndResize(
          rt.tf.expandDims(rt.tf.tensor3d(image.data, [image.height, image.width, 3], 'float32'), 0),
          boxes.map((c) => [c.y / (image.height - 1), c.x / (image.width - 1), (c.y + c.height) / (image.height - 1), (c.x + c.width) / (image.width - 1)]),
          boxes.map(() => 0),
          [112, 112],
        )
        .dataSync(),
    ) as Float32Array;
    let worst = 0;
    for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i]! - theirs[i]!));
    expect(worst).toBeLessThan(0.01);
    expect(ours.slice(0, 3 * 112 * 112).some((v) => v > 0)).toBe(true);
  });

  it('refuses an ONNX file whose sha256 is not the committed one', async () => {
    const dir = fs.mkdtempSync('/tmp/embed-onnx-');
    for (const { file } of Object.values(EMBED_ONNX_FILES)) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.copyFileSync(path.join(MODELS_DIR, file), path.join(dir, file));
    }
    fs.appendFileSync(path.join(dir, EMBED_ONNX_FILES.resnet.file), Buffer.from([0]));
    await expect(loadEmbedNets('onnx', dir)).rejects.toThrow(/sha256/);
    const auto = await loadEmbedNets('auto', dir);
    expect(auto.nets).toBeNull();
    expect(auto.note).toMatch(/^tfjs \(.*sha256/);
    fs.rmSync(dir, { recursive: true });
  });
});
