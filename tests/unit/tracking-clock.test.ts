// The tracker's clock: a client's captureTime spaces the motion steps only while it runs forward and agrees with the
// server's receive clock; stamps taken at send time, jittered, frozen or reset fall back to the receive clock.
import { describe, expect, it } from 'vitest';
import { CLOCK_TOLERANCE_MS, FrameClock } from '../../src/server/tracking/clock.js';

/** Ticks a clock through frames given as [captureTime, receivedAt] and returns each reading's time and source. */
function run(frames: [number, number][]) {
  const clock = new FrameClock();
  return frames.map(([c, r]) => clock.tick(c, r));
}

describe('FrameClock', () => {
  it('follows a real capture clock, whose gaps are exact while the receive gaps jitter', () => {
    const frames: [number, number][] = [0, 1, 2, 3, 4].map((i) => [1_700_000_000_000 + 66.7 * i, 5000 + 66.7 * i + (i % 2 ? 30 : -10)]);
    const r = run(frames);
    expect(r.map((x) => x.now)).toEqual([0, 66.7, 133.4, 200.1, 266.8].map((v) => expect.closeTo(v, 0)));
    expect(r.slice(1).every((x) => x.capture)).toBe(true);
  });

  it('takes a queued burst at capture pace: frames captured 67 ms apart that arrive together', () => {
    const r = run([
      [1000, 0],
      [1067, 5],
      [1133, 10],
    ]);
    expect(r.map((x) => x.now)).toEqual([0, 67, 133]);
  });

  it('believes a capture clock slower than the receive clock: a client that waits for each answer replays the scene at its own pace', () => {
    const r = run([
      [0, 0],
      [100, 1500],
      [200, 2900],
    ]);
    expect(r.map((x) => x.now)).toEqual([0, 100, 200]);
  });

  it('runs on the receive clock when captureTime is in other units: seconds, or a frame counter', () => {
    const seconds = run([
      [1_700_000_000.0, 0],
      [1_700_000_000.067, 67],
      [1_700_000_000.133, 133],
    ]);
    expect(seconds.map((x) => x.now)).toEqual([0, 67, 133]);
    const counter = run([
      [1, 0],
      [2, 66],
      [3, 133],
    ]);
    expect(counter.map((x) => x.now)).toEqual([0, 66, 133]);
  });

  it('runs on the receive clock when captureTime is frozen', () => {
    const r = run([
      [42, 0],
      [42, 70],
      [42, 140],
    ]);
    expect(r.map((x) => x.now)).toEqual([0, 70, 140]);
    expect(r.slice(1).every((x) => !x.capture)).toBe(true);
  });

  it('runs on the receive clock when captureTime jumps back, leaps ahead or jitters by more than the tolerance', () => {
    const r = run([
      [10_000, 0],
      [9_000, 66], // reset
      [60_000, 133], // a leap
      [60_066 + CLOCK_TOLERANCE_MS + 200, 200], // jitter past the tolerance
      [60_400, 266], // back in step with the one before: 34 ms against 66 received, within the tolerance
    ]);
    expect(r.map((x) => x.capture)).toEqual([true, false, false, false, true]);
    expect(r.map((x) => x.now)).toEqual([0, 66, 133, 200, 234]);
  });

  it('takes frames that arrive together, stamped as they were sent, as at least a 60 fps frame apart', () => {
    // A client that queues frames and stamps them on sending drains its queue in a burst: 1 ms apart by both clocks.
    // Believing 1 ms made the motion model's velocities tens of times too high (bench/naming.ts, send clock).
    const r = run([
      [5000, 0],
      [5001, 1],
      [5002, 2],
    ]);
    expect(r.map((x) => x.now)).toEqual([0, 1000 / 60, 2000 / 60].map((v) => expect.closeTo(v, 5)));
    expect(r.slice(1).every((x) => !x.capture)).toBe(true);
  });

  it('never stands still or goes backwards, whatever the clocks say', () => {
    const r = run([
      [5, 100],
      [5, 100],
      [4, 99],
    ]);
    for (let i = 1; i < r.length; i++) expect(r[i]!.now).toBeGreaterThan(r[i - 1]!.now);
  });
});
