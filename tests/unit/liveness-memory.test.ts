import { describe, expect, it } from 'vitest';
import { LivenessMemory } from '../../src/server/tracking/liveness-memory.js';

describe('LivenessMemory', () => {
  it('keeps the last measured scores of a track across frames without a measurement, and forgets vanished tracks', () => {
    const m = new LivenessMemory();
    m.update([
      { id: 1, scores: { real: 0.8, live: 0.9 } },
      { id: 2, scores: { real: null, live: null } },
    ]);
    expect(m.get(1)).toEqual({ real: 0.8, live: 0.9 });
    expect(m.get(2)).toBeNull();
    m.update([
      { id: 1, scores: { real: null, live: null } },
      { id: 2, scores: { real: 0.4, live: 0.2 } },
    ]);
    expect(m.get(1)).toEqual({ real: 0.8, live: 0.9 }); // not measured this frame: the last value stands
    expect(m.get(2)).toEqual({ real: 0.4, live: 0.2 });
    m.update([{ id: 2, scores: undefined }]);
    expect(m.get(1)).toBeNull(); // track 1 left the frame
    expect(m.get(2)).toEqual({ real: 0.4, live: 0.2 });
  });
});
