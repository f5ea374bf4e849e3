// The pure parts of events out: signatures, what a webhook answer means, backoff, topic names, and the watches that
// turn frames into `recognition` (once per track) and `camera.down` / `camera.up`.
import { describe, expect, it } from 'vitest';
import { CameraWatch } from '../../src/server/attendance/camera-watch.js';
import { RecognitionWatch } from '../../src/server/attendance/recognition-watch.js';
import { backoffMs } from '../../src/server/outbound/dispatcher.js';
import { slug } from '../../src/server/outbound/event-types.js';
import { eventTopics } from '../../src/server/outbound/mqtt-topics.js';
import { maskSecret, newSecret, sign, verify } from '../../src/server/outbound/signature.js';
import { classify } from '../../src/server/outbound/webhook-sender.js';
import type { TrackSnapshot } from '../../src/server/tracking/tracker.js';

describe('webhook signatures', () => {
  it('verifies the body it signed at that timestamp, and nothing else', () => {
    const s = newSecret();
    const sig = sign(s, 1700000000, '{"a":1}');
    expect(sig).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verify(s, 1700000000, '{"a":1}', sig)).toBe(true);
    expect(verify(s, 1700000001, '{"a":1}', sig)).toBe(false);
    expect(verify(s, 1700000000, '{"a":2}', sig)).toBe(false);
    expect(verify(newSecret(), 1700000000, '{"a":1}', sig)).toBe(false);
    expect(verify(s, 1700000000, '{"a":1}', 'sha256=00')).toBe(false);
  });
  it('shows only the end of a secret', () => {
    expect(maskSecret('whsec_abcdefgh1234')).toBe('…1234');
  });
});

describe('webhook answers and backoff', () => {
  it('delivers on 2xx, retries timing and server errors, gives up on other 4xx', () => {
    expect([200, 204].map(classify)).toEqual(['ok', 'ok']);
    expect([408, 425, 429, 500, 502, 503, 301].map(classify)).toEqual(['retry', 'retry', 'retry', 'retry', 'retry', 'retry', 'retry']);
    expect([400, 401, 404, 410, 422].map(classify)).toEqual(['permanent', 'permanent', 'permanent', 'permanent', 'permanent']);
  });
  it('doubles from the base up to the cap: an hour down costs about twenty probes', () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, 1000, 300_000))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffMs(100, 1000, 300_000)).toBe(300_000);
    let t = 0;
    let probes = 0;
    while (t < 3_600_000) t += backoffMs(++probes, 1000, 300_000);
    expect(probes).toBeGreaterThan(10);
    expect(probes).toBeLessThan(25);
  });
});

describe('topics', () => {
  it('turns labels into topic levels without wildcards or separators', () => {
    expect(slug('Front door')).toBe('front_door');
    expect(slug('Zoë/#+')).toBe('zoe');
    expect(slug('')).toBe('default');
    expect(slug('+/#')).toBe('default');
  });
  it('publishes an event on its camera and person topics', () => {
    const s = { topicPrefix: 'fs', discoveryPrefix: 'homeassistant' };
    expect(eventTopics(s, { type: 'checkin', payload: { camera: 'Door', person: { id: 'x', name: 'Ada Lovelace' } } })).toEqual([
      'fs/camera/door/checkin',
      'fs/person/ada_lovelace/checkin',
    ]);
    expect(eventTopics(s, { type: 'test', payload: { camera: 'test' } })).toEqual(['fs/test']);
  });
});

const track = (id: number, state: TrackSnapshot['state'], personId: string | null = null): TrackSnapshot => ({
  id,
  state,
  personId,
  name: personId ? `name of ${personId}` : null,
  score: personId ? 0.8 : null,
  box: { x: 0, y: 0, width: 10, height: 10 },
  age: 1,
});

describe('RecognitionWatch', () => {
  it('tells a named track once, again only when its name changes, and a returning track after it was forgotten', () => {
    const w = new RecognitionWatch();
    expect(w.update([track(1, 'pending')])).toEqual([]);
    expect(w.update([track(1, 'recognized', 'ada')]).map((r) => r.personId)).toEqual(['ada']);
    for (let i = 0; i < 20; i++) expect(w.update([track(1, 'recognized', 'ada'), track(2, 'unknown')])).toEqual([]);
    expect(w.update([track(1, 'recognized', 'bob')]).map((r) => r.personId)).toEqual(['bob']);
    for (let i = 0; i < 60; i++) w.update([]);
    expect(w.update([track(1, 'recognized', 'bob')])).toHaveLength(1);
  });
});

describe('CameraWatch', () => {
  it('says a camera is down after a silence, and up with its next frame', () => {
    let now = 0;
    const said: string[] = [];
    const w = new CameraWatch({ downAfterMs: 1000, clock: () => now, everyMs: 1e9, onDown: (c) => said.push(`down ${c}`), onUp: (c) => said.push(`up ${c}`) });
    w.frame('door');
    now = 900;
    w.frame('door');
    now = 1800;
    w.check();
    expect(said).toEqual(['up door']);
    now = 1900;
    w.check();
    w.check();
    expect(said).toEqual(['up door', 'down door']);
    w.frame('door');
    expect(said).toEqual(['up door', 'down door', 'up door']);
    w.stop();
  });
});
