// The presentation-attack stage where the decoded frame lives: AnalyzedFrame.spoof() in process and through the
// inference worker, on the faces asked for, with the project's own boxes (mesh path and the live BlazeFace path).
// Real models (MiniFASNet V2 + V1SE on onnxruntime-node) on real photos: upstream's print, tablet and live samples.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFaceAnalyzer, type ModelAnalyzer } from '../../src/server/vision/analyzer.js';
import { EMBEDDING_MODEL_ID } from '../../src/server/vision/embedder.js';
import { createWorkerAnalyzer, type WorkerAnalyzer } from '../../src/server/vision/worker/worker-analyzer.js';
import { testConfig } from '../helpers/server.js';

const DIR = new URL('../fixtures/antispoof/', import.meta.url);
const still = (name: string) => new Uint8Array(fs.readFileSync(new URL(name, DIR)));
const MAX_PIXELS = 640 * 640;
const STILLS = [
  { file: 'print.jpg', real: false },
  { file: 'tablet.jpg', real: false },
  { file: 'live.jpg', real: true },
];

describe('presentation-attack scores (MiniFASNet) on the analyzed frame', () => {
  let analyzer: ModelAnalyzer;
  let worker: WorkerAnalyzer;

  beforeAll(async () => {
    analyzer = await createFaceAnalyzer(testConfig(), () => {});
    worker = await createWorkerAnalyzer({ ...testConfig(), modelId: EMBEDDING_MODEL_ID });
  }, 180_000);
  afterAll(() => worker?.close());

  it('names the stage in the model list /health shows', () => {
    expect(analyzer.models.some((m) => m.startsWith('presentation attack: onnx:minifasnet-v2+v1se (onnxruntime-node 1.30'))).toBe(true);
    expect(worker.models.some((m) => m.startsWith('presentation attack: onnx:minifasnet'))).toBe(true);
  });

  for (const { file, real } of STILLS) {
    it(`scores ${file} as ${real ? 'real' : 'an attack'} on both box paths, in process and in the worker`, { timeout: 60_000 }, async () => {
      for (const a of [analyzer, worker]) {
        for (const mesh of [true, false]) {
          const r = await a.analyze(still(file), MAX_PIXELS, { liveness: false, mesh });
          if (!r.ok) throw new Error(r.message);
          try {
            expect(r.frame.faces).toHaveLength(1);
            const [score] = await r.frame.spoof([0]);
            expect(score!.isReal).toBe(real);
            if (real) expect(score!.real).toBeGreaterThan(0.9);
            else expect(score!.real).toBeLessThan(0.3);
          } finally {
            r.frame.release();
          }
        }
      }
    });
  }

  it('scores only the faces asked for, and refuses a released frame', async () => {
    const r = await worker.analyze(still('live.jpg'), MAX_PIXELS, { liveness: false, mesh: false });
    if (!r.ok) throw new Error(r.message);
    expect(await r.frame.spoof([])).toEqual([]);
    r.frame.release();
    await expect(r.frame.spoof([0])).rejects.toThrow(/released/);
  });
});
