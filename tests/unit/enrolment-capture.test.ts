// Enrolment capture: detection gates with codes, the pose plan, the duplicate-person stop, and view diversity.
import { describe, expect, it } from 'vitest';
import { EnrolmentCapture, type CaptureRules } from '../../src/server/enrolment/capture.js';
import { checkDetections, checkLiveness, chipVerdict } from '../../src/server/enrolment/gates.js';
import type { Match } from '../../src/server/gallery/gallery.js';
import type { FaceDetection } from '../../src/server/vision/detector.js';
import type { FaceEmbedding } from '../../src/server/vision/embedder.js';

const RULES: CaptureRules = {
  required: 3,
  minFacePx: 80,
  minConfidence: 0.6,
  maxAngle: 0.35,
  maxRoll: 0.35,
  requireLive: true,
  minSpoof: 0.5,
  minSharpness: 40,
  minBrightness: 60,
  maxBrightness: 200,
  maxClipped: 0.2,
  maxSimilarityToTaken: 0.95,
  poses: [],
  poseYaw: 0.1,
  duplicateThreshold: 0.9,
  allowDuplicate: false,
};

type FaceOver = {
  x?: number;
  width?: number;
  height?: number;
  score?: number;
  yaw?: number;
  pitch?: number;
  roll?: number;
  spoof?: number | null;
};
function face(over: FaceOver = {}): FaceDetection {
  return {
    box: { x: over.x ?? 100, y: 80, width: over.width ?? 120, height: over.height ?? 140 },
    score: over.score ?? 0.9,
    pose: { yaw: over.yaw ?? 0, pitch: over.pitch ?? -0.05, roll: over.roll ?? 0 },
    spoof: over.spoof === undefined ? 0.9 : over.spoof,
  };
}

function unit(...xs: number[]): Float32Array {
  const n = Math.hypot(...xs);
  return new Float32Array(xs.map((x) => x / n));
}

/** A sharp, well exposed chip: a fine checkerboard of 100 and 160. */
function goodChip(): Uint8Array {
  const c = new Uint8Array(150 * 150 * 3);
  for (let i = 0; i < 150 * 150; i++) c.fill(((i % 150) + Math.floor(i / 150)) % 2 ? 160 : 100, i * 3, i * 3 + 3);
  return c;
}
const embedded = (embedding: Float32Array, chip = goodChip()): FaceEmbedding => ({ embedding, chip, landmarks: [] });

function codeOf(faces: FaceDetection[], rules = RULES): string {
  const v = checkDetections(faces, rules);
  expect(v.ok).toBe(false);
  return v.ok ? '' : v.code;
}

describe('detection gates', () => {
  it('accepts one large, clear, frontal, live face', () => {
    expect(checkDetections([face()], RULES)).toEqual({ ok: true });
  });

  it('gives each failure its code and a reason with the numbers', () => {
    expect(codeOf([])).toBe('no_face');
    expect(codeOf([face(), face({ x: 400 })])).toBe('multiple_faces');
    expect(codeOf([face({ width: 200, height: 79.4 })])).toBe('too_small'); // 79.6 shows as 80 and passes
    expect(codeOf([face({ score: 0.42 })])).toBe('low_confidence');
    expect(codeOf([face({ yaw: 0.5 })])).toBe('not_frontal');
    expect(codeOf([face({ pitch: -0.4 })])).toBe('not_frontal');
    expect(codeOf([face({ roll: 0.6 })])).toBe('not_frontal');
    const v = checkDetections([face({ width: 40, height: 300 })], RULES);
    expect(!v.ok && v.reason).toMatch(/too small \(40 px, needs 80 px, ENROL_MIN_FACE_PX\): come closer/);
  });

  it('names the gate, the measured value, the threshold and what to do in every refusal', () => {
    const reasons = [
      checkDetections([face({ score: 0.42 })], RULES),
      checkDetections([face({ yaw: 0.5 })], RULES),
      checkDetections([face({ roll: 0.6 })], RULES),
      chipVerdict({ brightness: 42.2, clipped: 0, sharpness: 500 }, RULES),
      chipVerdict({ brightness: 222, clipped: 0, sharpness: 500 }, RULES),
      chipVerdict({ brightness: 150, clipped: 0.31, sharpness: 500 }, RULES),
      chipVerdict({ brightness: 150, clipped: 0, sharpness: 19.4 }, RULES),
    ].map((v) => (v.ok ? '' : v.reason));
    expect(reasons).toEqual([
      expect.stringMatching(/confidence 0\.42, needs 0\.6, ENROL_MIN_CONFIDENCE\): \w+/),
      expect.stringMatching(/turned 29° .*at most 20°, ENROL_MAX_ANGLE\): look/),
      expect.stringMatching(/leaning 34° .*at most 20°, ENROL_MAX_ROLL\): hold/),
      expect.stringMatching(/brightness 42, needs 60, ENROL_MIN_BRIGHTNESS\): add light/),
      expect.stringMatching(/brightness 222, at most 200, ENROL_MAX_BRIGHTNESS\): less light/),
      expect.stringMatching(/31% .*at most 20%, ENROL_MAX_CLIPPED\): even out/),
      expect.stringMatching(/sharpness 19, needs 40, ENROL_MIN_SHARPNESS\): hold still/),
    ]);
  });

  it('passes a chip gate at its own boundary, as the reason would show it', () => {
    // 39.6 shows as 40: "sharpness 40, needs 40" is never a refusal.
    expect(chipVerdict({ brightness: 59.6, clipped: 0.204, sharpness: 39.6 }, RULES)).toEqual({ ok: true });
    expect(chipVerdict({ brightness: 200.4, clipped: 0.2, sharpness: 40 }, RULES)).toEqual({ ok: true });
    expect(chipVerdict({ brightness: 150, clipped: 0, sharpness: 39.4 }, RULES)).toMatchObject({ ok: false, code: 'blurry' });
  });

  it('accepts values exactly at each limit', () => {
    expect(checkDetections([face({ width: 80, height: 80, score: 0.6, yaw: 0.35, roll: -0.35 })], RULES).ok).toBe(true);
    expect(checkLiveness(face({ spoof: 0.5 }), RULES).ok).toBe(true);
  });

  it('refuses a view whose presentation-attack score is low or was not measured, unless liveness is not required', () => {
    const low = checkLiveness(face({ spoof: 0.2 }), RULES);
    expect(low).toMatchObject({ ok: false, code: 'not_live' });
    expect(!low.ok && low.reason).toMatch(/presentation-attack score 0\.20, needs 0\.5/);
    expect(checkLiveness(face({ spoof: null }), RULES)).toMatchObject({ ok: false, code: 'not_live' });
    expect(checkLiveness(face({ spoof: 0 }), { ...RULES, requireLive: false }).ok).toBe(true);
  });

  it('checks count before size before confidence before pose', () => {
    expect(codeOf([face({ width: 10 }), face({ x: 400 })])).toBe('multiple_faces');
    expect(codeOf([face({ width: 10, score: 0.1, yaw: 1.5 })])).toBe('too_small');
    expect(codeOf([face({ score: 0.1, yaw: 1.5 })])).toBe('low_confidence');
    expect(codeOf([face({ yaw: 1.5 })])).toBe('not_frontal');
  });
});

describe('EnrolmentCapture', () => {
  it('takes a view, recording embedding, chip, quality and pose', () => {
    const c = new EnrolmentCapture('Ada', RULES);
    const e = embedded(unit(1, 0, 0, 0));
    expect(c.checkFrame([face({ score: 0.87 })])).toEqual({ ok: true, pose: 'straight' });
    expect(c.offer(face({ score: 0.87 }), e, [])).toEqual({ ok: true, pose: 'straight' });
    expect(c.views[0]).toMatchObject({ embedding: e.embedding, chip: e.chip, quality: 0.87, pose: 'straight' });
  });

  it('refuses a blurred or badly exposed chip', () => {
    const c = new EnrolmentCapture('Ada', RULES);
    expect(c.offer(face(), embedded(unit(1, 0), new Uint8Array(150 * 150 * 3).fill(120)), [])).toMatchObject({ ok: false, code: 'blurry' });
    expect(c.offer(face(), embedded(unit(1, 0), new Uint8Array(150 * 150 * 3).fill(20)), [])).toMatchObject({ ok: false, code: 'too_dark' });
    expect(c.offer(face(), embedded(unit(1, 0), new Uint8Array(150 * 150 * 3).fill(230)), [])).toMatchObject({ ok: false, code: 'too_bright' });
    // The presentation-attack gate comes after the chip gates: a blurred view is told it is blurred.
    expect(c.offer(face({ spoof: 0.1 }), embedded(unit(1, 0), new Uint8Array(150 * 150 * 3).fill(120)), [])).toMatchObject({ ok: false, code: 'blurry' });
    expect(c.offer(face({ spoof: 0.1 }), embedded(unit(1, 0)), [])).toMatchObject({ ok: false, code: 'not_live' });
    expect(c.views).toHaveLength(0);
  });

  it('"use anyway" takes a view only soft gates refuse, recording each refusal and the measures', () => {
    const c = new EnrolmentCapture('Ada', { ...RULES, useAnyway: true });
    const small = face({ width: 50, height: 60, score: 0.55 });
    const check = c.checkFrame([small]);
    expect(check).toMatchObject({ ok: true, overridden: [{ code: 'too_small' }, { code: 'low_confidence' }] });
    const dark = new Uint8Array(150 * 150 * 3);
    for (let i = 0; i < 150 * 150; i++) dark.fill(i % 2 ? 30 : 10, i * 3, i * 3 + 3);
    const v = c.offer(small, embedded(unit(1, 0), dark), [], check.ok ? check.overridden : []);
    expect(v).toMatchObject({ ok: true, overridden: [{ code: 'too_small' }, { code: 'low_confidence' }, { code: 'too_dark' }] });
    expect(c.views[0]!.overridden!.map((o) => o.code)).toEqual(['too_small', 'low_confidence', 'too_dark']);
    expect(c.views[0]!.measures).toMatchObject({ facePx: 50, confidence: 0.55, brightness: 20 });
  });

  it('"use anyway" never overrules a hard refusal: no face, several faces, not live, a duplicate', () => {
    const c = new EnrolmentCapture('Ada', { ...RULES, useAnyway: true });
    expect(c.checkFrame([])).toMatchObject({ ok: false, code: 'no_face' });
    expect(c.checkFrame([face(), face({ x: 400 })])).toMatchObject({ ok: false, code: 'multiple_faces' });
    expect(c.offer(face({ width: 50, spoof: 0.1 }), embedded(unit(1, 0)), [])).toMatchObject({ ok: false, code: 'not_live' });
    const other: Match = { personId: 'p2', name: 'Grace', score: 0.95 };
    expect(c.offer(face(), embedded(unit(1, 0)), [other])).toMatchObject({ ok: false, code: 'duplicate_person' });
    expect(c.views).toHaveLength(0);
  });

  it('refuses near-duplicates of any view taken; the limit is strict', () => {
    const c = new EnrolmentCapture('Ada', { ...RULES, maxSimilarityToTaken: 0.5 });
    c.offer(face(), embedded(new Float32Array([1, 0])), []);
    expect(c.offer(face(), embedded(new Float32Array([0.5, 0.75])), []).ok).toBe(true); // exactly 0.5
    expect(c.offer(face(), embedded(new Float32Array([0.75, 0.5])), [])).toMatchObject({ ok: false, code: 'same_view' });
  });

  it('stops on a face that is enrolled as someone else, unless confirmed; the same name is no duplicate', () => {
    const other: Match = { personId: 'p1', name: 'Grace', score: 0.93 };
    const c = new EnrolmentCapture('Ada', RULES);
    const v = c.offer(face(), embedded(unit(1, 0)), [other]);
    expect(v).toMatchObject({ ok: false, code: 'duplicate_person', duplicate: other });
    expect(!v.ok && v.reason).toMatch(/already enrolled as "Grace" \(similarity 0\.93\)/);
    expect(c.offer(face(), embedded(unit(1, 0)), [{ ...other, score: 0.89 }]).ok).toBe(true); // below the threshold
    const same = new EnrolmentCapture('Grace', RULES);
    expect(same.offer(face(), embedded(unit(1, 0)), [other]).ok).toBe(true);
    const confirmed = new EnrolmentCapture('Ada', { ...RULES, allowDuplicate: true });
    expect(confirmed.offer(face(), embedded(unit(1, 0)), [other]).ok).toBe(true);
  });

  it('guides poses: a pose already done is refused while slots are needed for the missing ones', () => {
    const c = new EnrolmentCapture('Ada', { ...RULES, poses: ['straight', 'left', 'right'] });
    const take = (yaw: number, e: Float32Array) => {
      const check = c.checkFrame([face({ yaw })]);
      return check.ok ? c.offer(face({ yaw }), embedded(e), []) : check;
    };
    expect(take(0.02, unit(1, 0, 0))).toMatchObject({ ok: true, pose: 'straight' });
    expect(c.plan.wanted()).toBe('left');
    expect(take(-0.01, unit(0, 1, 0))).toMatchObject({ ok: false, code: 'pose_done', pose: 'straight' });
    expect(take(0.2, unit(0, 1, 0))).toMatchObject({ ok: true, pose: 'right' });
    expect(take(-0.2, unit(0, 0, 1))).toMatchObject({ ok: true, pose: 'left' });
    expect(c.complete).toBe(true);
    expect(c.plan.done()).toEqual(['straight', 'left', 'right']);
  });

  it('with more views than poses, the extra views may repeat a pose', () => {
    const c = new EnrolmentCapture('Ada', { ...RULES, required: 4, poses: ['straight', 'left', 'right'] });
    expect(c.checkFrame([face({ yaw: 0 })]).ok).toBe(true);
    c.offer(face({ yaw: 0 }), embedded(unit(1, 0, 0, 0)), []);
    expect(c.checkFrame([face({ yaw: 0 })]).ok).toBe(true); // 3 slots left for 2 missing poses
    c.offer(face({ yaw: 0 }), embedded(unit(0, 1, 0, 0)), []);
    expect(c.checkFrame([face({ yaw: 0 })]).ok).toBe(false); // 2 slots left, 2 poses missing
  });

  it('with fewer views than poses, any planned pose is fine', () => {
    const c = new EnrolmentCapture('Ada', { ...RULES, required: 1, poses: ['straight', 'left', 'right'] });
    expect(c.checkFrame([face({ yaw: -0.2 })])).toEqual({ ok: true, pose: 'left' });
  });

  it('is complete after `required` accepted views, and refused views do not count', () => {
    const c = new EnrolmentCapture('Ada', RULES);
    const views = [unit(1, 0, 0, 0), unit(1, 0.01, 0, 0), unit(0, 1, 0, 0), unit(0, 0, 1, 0)];
    expect(views.map((e) => [c.offer(face(), embedded(e), []).ok, c.complete])).toEqual([
      [true, false],
      [false, false],
      [true, false],
      [true, true],
    ]);
  });
});
