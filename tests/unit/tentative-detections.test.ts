// Which of BlazeFace's unsure boxes (LIVE_DETECT_FLOOR up to DETECT_MIN_CONFIDENCE) the live detector passes on for a
// face-mesh check: pure, no models (vision/live-detector.ts tentativeWorthChecking).
import { describe, expect, it } from 'vitest';
import type { BlazeFaceDetection } from '../../src/server/vision/blazeface-onnx.js';
import { tentativeWorthChecking } from '../../src/server/vision/live-detector.js';

const det = (score: number, x: number, y: number, w: number): BlazeFaceDetection => ({ score, box: { x, y, width: w, height: w }, keypoints: [] });
const keep = (ds: BlazeFaceDetection[]) => tentativeWorthChecking(ds, 0.5, 640, 480).map((d) => d.score);

describe('tentativeWorthChecking', () => {
  it('keeps every sure detection, wherever it is', () => {
    expect(keep([det(0.9, -20, 100, 80), det(0.8, 300, 200, 60), det(0.6, 330, 210, 60)])).toEqual([0.9, 0.8, 0.6]);
  });

  it('keeps an unsure small face on its own, and one far from a sure face', () => {
    expect(keep([det(0.39, 143, 216, 46)])).toEqual([0.39]);
    expect(keep([det(0.95, 420, 190, 110), det(0.46, 120, 200, 84)])).toEqual([0.95, 0.46]);
  });

  it('drops an unsure box that crosses the frame edge: a face walking in is found once whole', () => {
    expect(keep([det(0.44, -49, 186, 116)])).toEqual([]);
    expect(keep([det(0.48, 594, 181, 64)])).toEqual([]);
    expect(keep([det(0.4, 300, 440, 60)])).toEqual([]);
  });

  it('drops an unsure box over a better one (a second, shifted box on the same face)', () => {
    expect(keep([det(0.39, 143, 216, 46), det(0.32, 129, 206, 35)])).toEqual([0.39]);
  });

  it('drops an unsure box within its own width of a sure face (an ear, a hand), not one further away', () => {
    // Joe Biden's face at x 249-356 in the cameras bench; BlazeFace's unsure box beside it at x 179-231.
    expect(keep([det(0.96, 249, 174, 107), det(0.41, 179, 132, 52)])).toEqual([0.96]);
    expect(keep([det(0.96, 249, 174, 107), det(0.41, 100, 132, 52)])).toEqual([0.96, 0.41]);
  });
});
