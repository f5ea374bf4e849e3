// The committed EdgeFace ONNX files on onnxruntime-node against PyTorch's output for the same input
// (tests/fixtures/edgeface/*.ref_{in,out}.npy, written with the export; models/edgeface/SOURCE.md), and the
// preprocessing and mirror batching around them.
import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ARCFACE_SIZE } from '../../src/server/vision/align-arcface.js';
import { EDGEFACE_DIMS, EDGEFACE_NETS, loadEdgeFace, toNchw, type EdgeFace, type EdgeFaceNet } from '../../src/server/vision/edgeface.js';
import { mirrorChip } from '../../src/server/vision/embedder.js';
import { MODELS_DIR } from '../../src/server/vision/models.js';
import { loadOrt } from '../../src/server/vision/ort.js';

/** A little-endian float32 C-order .npy file (format 1.0/2.0): its shape and data. */
function readNpy(file: string): { shape: number[]; data: Float32Array } {
  const b = fs.readFileSync(file);
  if (b.subarray(0, 6).toString('latin1') !== '\x93NUMPY') throw new Error(`${file} is not a .npy file`);
  const major = b[6]!;
  const headerLen = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + headerLen;
  const header = b.subarray(major === 1 ? 10 : 12, start).toString('latin1');
  if (!/'descr': '<f4'/.test(header) || /'fortran_order': True/.test(header)) throw new Error(`${file}: expected little-endian float32, C order: ${header}`);
  const shape = /'shape': \(([^)]*)\)/
    .exec(header)![1]!
    .split(',')
    .filter((s) => s.trim())
    .map(Number);
  const data = new Float32Array(b.buffer.slice(b.byteOffset + start, b.byteOffset + b.length));
  expect(data.length).toBe(shape.reduce((a, x) => a * x, 1));
  return { shape, data };
}

const ort = loadOrt();
const nets = Object.keys(EDGEFACE_NETS) as EdgeFaceNet[];

describe.each(nets)('%s on onnxruntime-node', (name) => {
  let net: EdgeFace;
  beforeAll(async () => {
    if (!('ort' in ort)) throw new Error(`this test needs onnxruntime-node: ${ort.error}`);
    net = await loadEdgeFace(ort.ort, name, MODELS_DIR);
  });
  const fixture = `tests/fixtures/edgeface/${name.replace('-', '_')}`;

  it('gives PyTorch reference output for the reference input', async () => {
    const input = readNpy(`${fixture}.ref_in.npy`),
      ref = readNpy(`${fixture}.ref_out.npy`);
    expect(input.shape).toEqual([1, 3, ARCFACE_SIZE, ARCFACE_SIZE]);
    expect(ref.shape).toEqual([1, EDGEFACE_DIMS]);
    const [out] = await net.run(input.data, 1);
    let worst = 0;
    for (let i = 0; i < EDGEFACE_DIMS; i++) worst = Math.max(worst, Math.abs(out![i]! - ref.data[i]!));
    // Published match of the export: 2e-6 (XS) / 3.3e-6 (XXS); float reassociation across CPUs stays well inside 1e-4.
    expect(worst).toBeLessThan(1e-4);
  });

  it('embeds a batch of crops with their mirrors: unit vectors, each face as it is alone, mirror-symmetric', async () => {
    // The reference input back to 0..255 packed RGB, then a second, different crop (its mirror image).
    const { data } = readNpy(`${fixture}.ref_in.npy`);
    const px = ARCFACE_SIZE * ARCFACE_SIZE;
    const crop = new Uint8Array(3 * px);
    for (let p = 0; p < px; p++) for (let c = 0; c < 3; c++) crop[3 * p + c] = Math.round((data[c * px + p]! + 1) * 127.5);
    const round = toNchw([crop]);
    for (let i = 0; i < round.length; i += 997) expect(round[i]).toBeCloseTo(data[i]!, 2);
    const mirrored = mirrorChip(crop, ARCFACE_SIZE);
    const [a, b] = await net.embed([crop, mirrored], true);
    const [alone] = await net.embed([crop], true);
    expect(Math.hypot(...a!)).toBeCloseTo(1, 5);
    for (let i = 0; i < EDGEFACE_DIMS; i++) expect(a![i]).toBeCloseTo(alone![i]!, 4);
    // A crop + mirror average is the same for the mirror image.
    for (let i = 0; i < EDGEFACE_DIMS; i++) expect(a![i]).toBeCloseTo(b![i]!, 4);
    const [plain] = await net.embed([crop], false);
    expect(Array.from(plain!).some((x, i) => Math.abs(x - a![i]!) > 1e-3)).toBe(true);
    expect(() => toNchw([new Uint8Array(10)])).toThrow(/112x112/);
  });
});

describe('EdgeFace weights', () => {
  it('refuses a file whose sha256 is not the committed one', async () => {
    if (!('ort' in ort)) throw new Error(ort.error);
    const dir = fs.mkdtempSync('tests/.tmp-edgeface-');
    try {
      fs.mkdirSync(`${dir}/edgeface`);
      fs.writeFileSync(`${dir}/${EDGEFACE_NETS['edgeface-xxs'].file}`, 'not a model');
      await expect(loadEdgeFace(ort.ort, 'edgeface-xxs', dir)).rejects.toThrow(/sha256/);
      await expect(loadEdgeFace(ort.ort, 'edgeface-xs', dir)).rejects.toThrow(/missing/);
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });
});
