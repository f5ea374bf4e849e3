// The dlib ResNet quantised to int8 (train/quantize-int8.py, models/faceapi/SOURCE.md) against the float network it
// was made from, on the committed fixture faces: each face's embedding (chip + mirror averaged, as the models run it)
// within cosine 0.998 of the float one, and the cosine between two faces moved by less than 0.01 (the ResNet's
// impostor cosines spread by ~0.034), so the int8 model's threshold and z constants mean what the float ones do. The
// committed file is the one checked (sha256), and a model naming it refuses to start on TF.js instead of running
// something else.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createFaceAnalyzer, type ModelAnalyzer } from '../../src/server/vision/analyzer.js';
import { EMBED_ONNX_FILES, loadEmbedNets, packBatch, type EmbedNets } from '../../src/server/vision/embed-onnx.js';
import { DEFAULT_EMBEDDER_OPTIONS, l2normalize, mirrorChip } from '../../src/server/vision/embedder.js';
import { mendChip } from '../../src/server/vision/exposure.js';
import { MODELS_DIR, resolveModel, type ResolvedModel } from '../../src/server/vision/models.js';
import { tempDir, testConfig } from '../helpers/server.js';
import { fixture, NETWORK_CHECK_PHOTOS } from '../helpers/ws-client.js';

const PHOTOS = NETWORK_CHECK_PHOTOS;
const photo = fixture;

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, k) => s + x * b[k]!, 0);

/** A model of the int8 ResNet alone, as a manifest would name it. */
function int8Model(): ResolvedModel {
  const manifest = {
    id: 'test-resnet-int8',
    base: 'test-resnet-int8',
    embedder: DEFAULT_EMBEDDER_OPTIONS,
    dims: 128,
    threshold: 0.95,
    created: '',
    nets: [{ net: 'resnet-int8' as const, flip: true }],
  };
  return { manifest, embedder: manifest.embedder, project: (v) => v };
}

describe('the int8 ResNet', () => {
  let nets: EmbedNets, analyzer: ModelAnalyzer;
  beforeAll(async () => {
    nets = (await loadEmbedNets('onnx', MODELS_DIR, ['resnet', 'resnet-int8'])).nets!;
    analyzer = await createFaceAnalyzer(testConfig({ EMBED_RUNTIME: 'onnx' }), () => {}, { model: resolveModel('dlib-resnet128.chip150.crop1.25.flip.v1') });
  }, 180_000);

  it('embeds fixture faces within cosine 0.998 of the float network, and moves no pair of faces by 0.01', { timeout: 120_000 }, async () => {
    const float: Float32Array[] = [],
      int8: Float32Array[] = [];
    for (const rel of PHOTOS) {
      const r = await analyzer.embedAll(photo(rel), 4096 * 4096);
      if (!r.ok) throw new Error(`${rel}: ${r.message}`);
      for (const f of r.faces) {
        const chip = mendChip(f.chip, 150);
        const batch = packBatch([chip, mirrorChip(chip)], 150);
        const mean = (d: Float32Array[]) => l2normalize(d[0]!.map((x, k) => (x + d[1]![k]!) / 2));
        float.push(mean(await nets.resnet.run(batch, 2)));
        int8.push(mean(await nets['resnet-int8'].run(batch, 2)));
      }
    }
    expect(float.length).toBeGreaterThanOrEqual(PHOTOS.length + 1); // the group photo has two faces
    for (let i = 0; i < float.length; i++) expect(dot(float[i]!, int8[i]!), `face ${i}`).toBeGreaterThan(0.998);
    let moved = 0;
    for (let i = 0; i < float.length; i++)
      for (let j = i + 1; j < float.length; j++) moved = Math.max(moved, Math.abs(dot(float[i]!, float[j]!) - dot(int8[i]!, int8[j]!)));
    expect(moved).toBeLessThan(0.01);
    // And it is not the float network under another name.
    expect(float.some((v, i) => dot(v, int8[i]!) < 0.99999)).toBe(true);
  });

  it('loads only the committed file: another one under its name is refused by its sha256', async () => {
    const dir = tempDir('int8-');
    const rel = EMBED_ONNX_FILES['resnet-int8'].file;
    fs.mkdirSync(path.join(dir, path.dirname(rel)), { recursive: true });
    fs.copyFileSync(path.join(MODELS_DIR, EMBED_ONNX_FILES.resnet.file), path.join(dir, rel));
    await expect(loadEmbedNets('onnx', dir, ['resnet-int8'])).rejects.toThrow(/sha256/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to run on TF.js, which has no int8 twin, rather than run another network', async () => {
    await expect(createFaceAnalyzer(testConfig({ EMBED_RUNTIME: 'tfjs' }), () => {}, { model: int8Model() })).rejects.toThrow(
      /resnet-int8 runs on onnxruntime-node only/,
    );
  }, 120_000);
});
