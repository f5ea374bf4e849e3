// The live path's presentation-attack stage accuses a face only on evidence. A real analyzer (the models on the print
// still, tests/fixtures/antispoof) behind a FramePipeline whose camera requires liveness: the print is withheld while
// the evidence is short, then refused ("not live", reported for a security event) after the decisive run; and when the
// presentation-attack models cannot run, no face passes, but none is accused either.
import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMatchPolicy } from '../../src/server/recognition/match-policy.js';
import { FramePipeline, trackerOptionsOf, type RefusedFace } from '../../src/server/recognition/pipeline.js';
import { DEFAULT_LIVENESS_EVIDENCE } from '../../src/server/tracking/liveness-evidence.js';
import { createFaceAnalyzer, type FaceAnalyzer, type ModelAnalyzer } from '../../src/server/vision/analyzer.js';
import { testConfig } from '../helpers/server.js';

const PRINT = new Uint8Array(fs.readFileSync(new URL('../fixtures/antispoof/print.jpg', import.meta.url)));
const FRAME_MS = 1000 / 15;

/** The analyzer with its presentation-attack models failing, as when they could not be loaded. */
function withoutSpoofModels(a: FaceAnalyzer): FaceAnalyzer {
  return Object.assign(Object.create(a) as FaceAnalyzer, {
    analyze: async (...args: Parameters<FaceAnalyzer['analyze']>) => {
      const r = await a.analyze(...args);
      if (r.ok) r.frame.spoof = () => Promise.reject(new Error('presentation-attack models not loaded'));
      return r;
    },
  });
}

async function showPrint(analyzer: FaceAnalyzer, frames: number) {
  const c = testConfig();
  const pipeline = new FramePipeline(
    {
      analyzer,
      gallery: { search: () => [] },
      policy: createMatchPolicy({ threshold: c.MATCH_THRESHOLD, requireLive: true, minSpoof: c.LIVENESS_MIN_SPOOF, enrolDuplicateThreshold: 0 }),
    },
    {
      maxFramePixels: c.MAX_FRAME_PIXELS,
      detectIntervalMs: 0,
      tracker: trackerOptionsOf(c),
    },
  );
  const refused: RefusedFace[] = [];
  const liveOk: (boolean | undefined)[] = [];
  const t0 = performance.now();
  for (let i = 0; i < frames; i++) {
    const at = t0 + i * FRAME_MS;
    const out = await pipeline.process({ jpeg: PRINT, seq: i, captureTime: at, receivedAt: at }, { onRefused: (f) => refused.push(f) });
    if (!out.ok) throw new Error(out.message);
    expect(out.tracks).toHaveLength(1);
    expect(out.tracks[0]!.name).toBeNull();
    liveOk.push(out.tracks[0]!.liveOk);
  }
  return { refused, liveOk };
}

describe('the presentation-attack stage accuses only on evidence', () => {
  let analyzer: ModelAnalyzer;
  beforeAll(async () => {
    analyzer = await createFaceAnalyzer(testConfig(), () => {});
  }, 180_000);

  const { refuseRun } = DEFAULT_LIVENESS_EVIDENCE;

  it('withholds the print for its first frames, then refuses it on the decisive run', { timeout: 60_000 }, async () => {
    const { refused, liveOk } = await showPrint(analyzer, refuseRun + 3);
    expect(liveOk).toEqual(Array.from({ length: refuseRun + 3 }, (_, i) => (i >= refuseRun - 1 ? false : undefined)));
    // Reported from the refusing frame on (the session stores one security event per track).
    expect(refused).toHaveLength(4);
    expect(refused[0]!.liveness).toMatchObject({ verdict: 'refused', checked: refuseRun });
    expect(refused[0]!.liveness.lastReal).toBeLessThan(DEFAULT_LIVENESS_EVIDENCE.refuseBelow);
  });

  it('with the models failing, never lets the print through and never accuses it', { timeout: 60_000 }, async () => {
    const { refused, liveOk } = await showPrint(withoutSpoofModels(analyzer), refuseRun + 3);
    expect(refused).toEqual([]);
    expect(liveOk.every((v) => v === undefined)).toBe(true);
  });
});
