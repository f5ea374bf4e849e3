// Enrolment capture: which views are good enough, and which are different enough from those already taken.
import { describe, expect, it } from 'vitest';
import { checkView, EnrolmentCapture, type CaptureRules } from '../../src/server/enrolment/capture.js';
import type { FaceDetection } from '../../src/server/vision/detector.js';
import type { FaceEmbedding } from '../../src/server/vision/embedder.js';

const RULES: CaptureRules = { required: 3, minFacePx: 80, minConfidence: 0.6, maxAngle: 0.5, maxSimilarityToTaken: 0.95 };

function face(over: { x?: number; width?: number; height?: number; score?: number; yaw?: number; pitch?: number; roll?: number } = {}): FaceDetection {
  return {
    box: { x: over.x ?? 100, y: 80, width: over.width ?? 120, height: over.height ?? 140 },
    score: over.score ?? 0.9,
    pose: { yaw: over.yaw ?? 0.1, pitch: over.pitch ?? -0.05, roll: over.roll ?? 0 },
  };
}

function unit(...xs: number[]): Float32Array {
  const n = Math.hypot(...xs);
  return new Float32Array(xs.map((x) => x / n));
}

function embedded(embedding: Float32Array, chipByte = 7): FaceEmbedding {
  return { embedding, chip: new Uint8Array(150 * 150 * 3).fill(chipByte), landmarks: [] };
}

function reasonOf(faces: FaceDetection[], rules = RULES): string {
  const v = checkView(faces, rules);
  expect(v.ok).toBe(false);
  return v.ok ? '' : v.reason;
}

describe('checkView', () => {
  it('accepts one large, clear, frontal face', () => {
    expect(checkView([face()], RULES)).toEqual({ ok: true });
  });

  it('refuses a frame with no face', () => {
    expect(reasonOf([])).toMatch(/no face/);
  });

  it('refuses two faces, saying how many', () => {
    expect(reasonOf([face(), face({ x: 400 })])).toMatch(/^2 faces in view/);
    expect(reasonOf([face(), face({ x: 400 }), face({ x: 700 })])).toMatch(/^3 faces/);
  });

  it('refuses a face whose smaller side is under minFacePx, with the rounded size', () => {
    // width 200 but height 79.6: the smaller side counts, shown rounded to 80.
    expect(reasonOf([face({ width: 200, height: 79.6 })])).toMatch(/too small \(80 px, needs 80 px\)/);
    expect(reasonOf([face({ width: 40, height: 300 })])).toMatch(/too small \(40 px/);
  });

  it('accepts a face exactly minFacePx on its smaller side', () => {
    expect(checkView([face({ width: 80, height: 80 })], RULES).ok).toBe(true);
  });

  it('refuses low detector confidence, with the score', () => {
    expect(reasonOf([face({ score: 0.42 })])).toMatch(/not clear enough \(confidence 0\.42\)/);
    expect(checkView([face({ score: 0.6 })], RULES).ok).toBe(true); // exactly minConfidence
  });

  it('refuses a head turned or tilted past maxAngle, either way', () => {
    expect(reasonOf([face({ yaw: 0.6 })])).toMatch(/turned too far/);
    expect(reasonOf([face({ yaw: -0.6 })])).toMatch(/turned too far/);
    expect(reasonOf([face({ pitch: 0.51 })])).toMatch(/turned too far/);
    expect(reasonOf([face({ pitch: -0.7 })])).toMatch(/turned too far/);
  });

  it('accepts exactly maxAngle, and ignores roll', () => {
    expect(checkView([face({ yaw: 0.5, pitch: -0.5 })], RULES).ok).toBe(true);
    expect(checkView([face({ roll: 1.2 })], RULES).ok).toBe(true);
  });

  it('checks size before confidence before angle', () => {
    expect(reasonOf([face({ width: 10, score: 0.1, yaw: 1.5 })])).toMatch(/too small/);
    expect(reasonOf([face({ score: 0.1, yaw: 1.5 })])).toMatch(/not clear enough/);
    // Two faces, both fine individually: the count wins.
    expect(reasonOf([face({ width: 10 }), face({ x: 400 })])).toMatch(/2 faces/);
  });
});

describe('EnrolmentCapture', () => {
  it('starts empty and incomplete, keeping its name and rules', () => {
    const c = new EnrolmentCapture('Ada', RULES);
    expect(c.name).toBe('Ada');
    expect(c.rules).toBe(RULES);
    expect(c.views).toEqual([]);
    expect(c.complete).toBe(false);
  });

  it('takes the first view, recording embedding, chip and quality', () => {
    const c = new EnrolmentCapture('Ada', RULES);
    const e = embedded(unit(1, 0, 0, 0), 42);
    expect(c.offer(face({ score: 0.87 }), e)).toEqual({ ok: true });
    expect(c.views).toHaveLength(1);
    expect(c.views[0]!.embedding).toBe(e.embedding);
    expect(c.views[0]!.chip).toBe(e.chip);
    expect(c.views[0]!.quality).toBe(0.87);
  });

  it('refuses a near-duplicate of a view already taken', () => {
    const c = new EnrolmentCapture('Ada', RULES);
    c.offer(face(), embedded(unit(1, 0, 0, 0)));
    // cos(unit(1, 0.1, 0, 0), (1, 0, 0, 0)) = 1 / sqrt(1.01) = 0.995 > 0.95
    const v = c.offer(face(), embedded(unit(1, 0.1, 0, 0)));
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.reason).toMatch(/same view/);
    expect(c.views).toHaveLength(1);
  });

  it('refuses an identical embedding', () => {
    const c = new EnrolmentCapture('Ada', RULES);
    const e = unit(0.3, 0.4, 0.5, 0.6);
    c.offer(face(), embedded(e));
    expect(c.offer(face(), embedded(new Float32Array(e))).ok).toBe(false);
  });

  it('accepts a view different enough from every one taken', () => {
    const c = new EnrolmentCapture('Ada', RULES);
    c.offer(face(), embedded(unit(1, 0, 0, 0)));
    // cos(unit(1, 0.5, 0, 0), (1, 0, 0, 0)) = 1 / sqrt(1.25) = 0.894 <= 0.95
    expect(c.offer(face(), embedded(unit(1, 0.5, 0, 0))).ok).toBe(true);
    expect(c.views).toHaveLength(2);
  });

  it('compares with every view taken, not just the last', () => {
    const c = new EnrolmentCapture('Ada', RULES);
    c.offer(face(), embedded(unit(1, 0, 0, 0)));
    c.offer(face(), embedded(unit(0, 1, 0, 0)));
    // Close to the first view (0.995), far from the second (0.0995).
    expect(c.offer(face(), embedded(unit(1, 0.1, 0, 0))).ok).toBe(false);
    expect(c.views).toHaveLength(2);
  });

  it('the similarity limit is strict: exactly maxSimilarityToTaken is accepted', () => {
    // Embeddings with an exactly representable dot product: (1, 0) . (0.5, 0.75) = 0.5.
    const c = new EnrolmentCapture('Ada', { ...RULES, maxSimilarityToTaken: 0.5 });
    c.offer(face(), embedded(new Float32Array([1, 0])));
    expect(c.offer(face(), embedded(new Float32Array([0.5, 0.75]))).ok).toBe(true);
    expect(c.offer(face(), embedded(new Float32Array([0.75, 0.5]))).ok).toBe(false); // 0.75 with the first view
  });

  it('is complete after `required` accepted views, and refused views do not count', () => {
    const c = new EnrolmentCapture('Ada', RULES); // required: 3
    const views = [unit(1, 0, 0, 0), unit(1, 0.01, 0, 0), unit(0, 1, 0, 0), unit(0, 1, 0.01, 0), unit(0, 0, 1, 0)];
    const accepted = views.map((e) => {
      const r = c.offer(face(), embedded(e)).ok;
      return [r, c.complete] as const;
    });
    expect(accepted).toEqual([
      [true, false],
      [false, false], // near-duplicate of view 1
      [true, false],
      [false, false], // near-duplicate of view 3
      [true, true],
    ]);
    expect(c.views).toHaveLength(3);
  });

  it('required 1 completes on the first view', () => {
    const c = new EnrolmentCapture('Ada', { ...RULES, required: 1 });
    c.offer(face(), embedded(unit(1, 2, 3, 4)));
    expect(c.complete).toBe(true);
  });
});
