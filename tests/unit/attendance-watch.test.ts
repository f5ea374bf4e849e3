// Unknown-sighting watch: a track unknown for long enough yields its best view once; recognized tracks never do.
import { describe, expect, it } from 'vitest';
import { UnknownWatch, type WatchedView } from '../../src/server/attendance/unknown-watch.js';
import { dayLabel, startOfDay } from '../../src/server/attendance/checkins.js';

const view = (quality: number): WatchedView => ({
  embedding: new Float32Array([quality]),
  chip: new Uint8Array(3),
  quality,
  bestScore: 0.4,
  bestPersonId: null,
});

describe('UnknownWatch', () => {
  it('records a track once, after it has been unknown for afterMs, with its best view', () => {
    const w = new UnknownWatch(1000);
    w.offer(1, view(0.5));
    expect(w.update([{ id: 1, state: 'pending' }], 0)).toEqual([]);
    expect(w.update([{ id: 1, state: 'unknown' }], 100)).toEqual([]);
    w.offer(1, view(0.9));
    w.offer(1, view(0.7));
    expect(w.update([{ id: 1, state: 'unknown' }], 1099)).toEqual([]);
    const due = w.update([{ id: 1, state: 'unknown' }], 1100);
    expect(due).toMatchObject([{ trackId: 1, quality: 0.9, firstSeenAt: 100, lastSeenAt: 1100 }]);
    expect(w.update([{ id: 1, state: 'unknown' }], 5000)).toEqual([]);
  });

  it('never records a recognized track, and restarts the clock if it turns unknown', () => {
    const w = new UnknownWatch(1000);
    w.offer(2, view(0.5));
    w.update([{ id: 2, state: 'unknown' }], 0);
    w.update([{ id: 2, state: 'recognized' }], 900);
    w.offer(2, view(0.6));
    expect(w.update([{ id: 2, state: 'unknown' }], 1500)).toEqual([]);
    expect(w.update([{ id: 2, state: 'unknown' }], 2500)).toHaveLength(1);
  });

  it('forgets tracks that are gone, and does nothing when disabled', () => {
    const w = new UnknownWatch(1000);
    w.offer(3, view(0.5));
    for (let i = 0; i < 60; i++) w.update([], i);
    expect(w.size).toBe(0);
    const off = new UnknownWatch(0);
    off.offer(1, view(1));
    expect(off.update([{ id: 1, state: 'unknown' }], 1e9)).toEqual([]);
  });
});

describe('local day', () => {
  it('starts at local midnight and is labelled YYYY-MM-DD', () => {
    const t = new Date(2030, 0, 15, 13, 45).getTime();
    expect(startOfDay(t).getTime()).toBe(new Date(2030, 0, 15).getTime());
    expect(dayLabel(t)).toBe('2030-01-15');
  });
});
