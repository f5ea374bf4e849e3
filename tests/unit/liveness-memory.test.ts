import { describe, expect, it } from 'vitest';
import { LivenessMemory } from '../../src/server/tracking/liveness-memory.js';

describe('LivenessMemory', () => {
  it('keeps the last measured score of a track across frames without a measurement, and forgets vanished tracks', () => {
    const m = new LivenessMemory();
    m.update([
      { id: 1, real: 0.8 },
      { id: 2, real: null },
    ]);
    expect(m.get(1)).toBe(0.8);
    expect(m.get(2)).toBeNull();
    m.update([
      { id: 1, real: undefined },
      { id: 2, real: 0.4 },
    ]);
    expect(m.get(1)).toBe(0.8); // not measured this frame: the last value stands
    expect(m.get(2)).toBe(0.4);
    m.update([{ id: 2, real: Number.NaN }]);
    expect(m.get(1)).toBeNull(); // track 1 left the frame
    expect(m.get(2)).toBe(0.4); // NaN is no measurement
  });
});
