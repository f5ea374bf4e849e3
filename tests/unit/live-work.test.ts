// Live frames come first on the main thread (src/server/live-work.ts): background loops that yield with yieldToLive or
// a pacer wait while a frame is in flight, are released when it is answered, and never wait longer than the bound.
import { describe, expect, it } from 'vitest';
import {
  LIVE_YIELD_MAX_WAIT_MS,
  beginLiveWork,
  camerasStreaming,
  liveWorkInFlight,
  pacer,
  restWhileStreaming,
  BULK_REST_FACTOR,
  yieldToLive,
} from '../../src/server/live-work.js';

const settledSoon = async (p: Promise<unknown>, ms: number) => Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

describe('live work first', () => {
  it('a yield with no frame in flight only gives the event loop a turn', async () => {
    expect(liveWorkInFlight()).toBe(0);
    expect(await settledSoon(yieldToLive(10_000), 200)).toBe(true);
  });

  it('a yield waits while a frame is in flight and is released when the frame is answered', async () => {
    const end = beginLiveWork();
    const y = yieldToLive(10_000);
    expect(await settledSoon(y, 100)).toBe(false);
    end();
    expect(await settledSoon(y, 200)).toBe(true);
    expect(liveWorkInFlight()).toBe(0);
  });

  it('waits for every frame in flight, and ending one twice counts once', async () => {
    const a = beginLiveWork();
    const b = beginLiveWork();
    const y = yieldToLive(10_000);
    a();
    a();
    expect(liveWorkInFlight()).toBe(1);
    expect(await settledSoon(y, 100)).toBe(false);
    b();
    expect(await settledSoon(y, 200)).toBe(true);
  });

  it('cameras that never pause hold background work for at most the bound', async () => {
    const end = beginLiveWork();
    try {
      const t0 = performance.now();
      await yieldToLive(40);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(35);
      expect(liveWorkInFlight()).toBe(1);
    } finally {
      end();
    }
  });

  it('bulk work rests BULK_REST_FACTOR times as long as its step took while cameras stream, and not at all once they stopped', async () => {
    beginLiveWork()();
    expect(camerasStreaming(1000)).toBe(true);
    let t = performance.now();
    await restWhileStreaming(40, 250, 1000);
    expect(performance.now() - t).toBeGreaterThanOrEqual(BULK_REST_FACTOR * 40 - 2);
    t = performance.now();
    await restWhileStreaming(5_000, 60, 1000); // bounded by maxMs
    expect(performance.now() - t).toBeLessThan(1000);
    await new Promise((r) => setTimeout(r, 80));
    expect(camerasStreaming(50)).toBe(false);
    t = performance.now();
    await restWhileStreaming(500, 500, 50);
    expect(performance.now() - t).toBeLessThan(100);
  });

  it('a pacer yields only once its slice is used up', async () => {
    const end = beginLiveWork();
    try {
      const pace = pacer(60_000);
      // Within the slice: no yield, so no wait behind the frame in flight.
      expect(await settledSoon(pace(), 100)).toBe(true);
      // Spent: it waits behind the frame (for up to LIVE_YIELD_MAX_WAIT_MS, then it goes on regardless).
      const spent = pacer(0);
      expect(await settledSoon(spent(), LIVE_YIELD_MAX_WAIT_MS / 2)).toBe(false);
    } finally {
      end();
    }
  });
});
