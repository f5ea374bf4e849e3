// The enrolment hint: the refusal seen most often over the last seconds, kept until another clearly beats it, so the prompt stays put while a person holds
// still instead of flipping with each frame; and the pose plan that drops a pose nobody can show.
import { describe, expect, it } from 'vitest';
import { RefusalWindow } from '../../src/server/enrolment/hints.js';
import { PosePlan } from '../../src/server/enrolment/poses.js';

describe('enrolment hint', () => {
  it('is the most frequent refusal of the last seconds, and stays until another is clearly more frequent', () => {
    const w = new RefusalWindow(1000);
    w.add('blurry', 'sharpness 39, needs 40', 0);
    w.add('same_view', 'same view', 100);
    w.add('blurry', 'sharpness 38, needs 40', 200);
    w.add('same_view', 'same view', 300);
    w.add('blurry', 'sharpness 39.5, needs 40', 400);
    w.add('same_view', 'same view', 500);
    // three each: the latest wins the tie
    expect(w.hint(500)).toEqual({ code: 'same_view', reason: 'same view' });
    // four to three does not flip it (the prompt flipped every second before)...
    w.add('blurry', 'sharpness 37, needs 40', 600);
    expect(w.hint(600)).toEqual({ code: 'same_view', reason: 'same view' });
    // ...more than twice as many does, with the latest wording
    for (const t of [700, 750, 800]) w.add('blurry', `sharpness 36, needs 40 (${t})`, t);
    expect(w.hint(800)).toEqual({ code: 'blurry', reason: 'sharpness 36, needs 40 (800)' });
    // a second later only the newest refusals count
    w.add('same_view', 'same view', 1850);
    expect(w.hint(1850)).toEqual({ code: 'same_view', reason: 'same view' });
    expect(w.hint(5000)).toBeNull();
    expect(w.mostFrequent()).toBe('blurry');
  });
});

describe('pose plan skipping', () => {
  it('drops a skipped pose: the other poses fill its slots, and a pose that has a view is never dropped', () => {
    const plan = new PosePlan(['straight', 'left', 'right'], 3);
    plan.record('straight');
    expect(plan.accepts('straight', 1)).toBe(false);
    plan.skip('left');
    plan.skip('straight'); // has a view: kept
    expect(plan.poses).toEqual(['straight', 'right']);
    expect(plan.skipped()).toEqual(['left']);
    expect(plan.wanted()).toBe('right');
    expect(plan.accepts('straight', 1)).toBe(true);
    expect(plan.accepts('left', 1)).toBe(false);
  });
});
