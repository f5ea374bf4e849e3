// The parts of the presentation-attack policy that need no models: a camera's own policy over the server's default,
// kept in a real (in-memory PGlite) database and followed across a rename; one security event per refused track; the
// `presentation_attack` event as webhooks and MQTT get it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RefusalWatch, REFUSED_VIEWS_BEFORE_RECORD, type RefusedView } from '../../src/server/attendance/security-events.js';
import { eventTopics } from '../../src/server/outbound/mqtt-topics.js';
import { presentationAttackEvent } from '../../src/server/outbound/event-types.js';
import { CameraPolicies, MAX_CAMERA_POLICIES } from '../../src/server/recognition/camera-policies.js';
import { createMatchPolicy } from '../../src/server/recognition/match-policy.js';
import { MEMORY, openStore } from '../../src/server/store/db.js';
import type { Store } from '../../src/server/store/types.js';

describe('camera policies', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore({ dataDir: MEMORY });
  });
  afterAll(async () => {
    await store?.close();
  });

  it('a camera of its own overrides the default; null returns it; a rename keeps it; another server reads it', async () => {
    let changes = 0;
    const policies = new CameraPolicies({ repo: store.cameraPolicies, defaultRequireLive: false, onChanged: () => (changes += 1) });
    await policies.reload();
    expect(policies.requireLive('door')).toBe(false);
    expect(await policies.set('door', true)).toEqual({ ok: true, policy: { camera: 'door', requireLive: true } });
    expect(await policies.set('', false)).toMatchObject({ ok: true }); // a browser camera that sends no label
    expect(policies.requireLive('door')).toBe(true);
    expect(policies.requireLive('lobby')).toBe(false);
    await policies.rename('door', 'front door');
    expect(policies.requireLive('door')).toBe(false);
    expect(policies.requireLive('front door')).toBe(true);
    // Another server on the same database, told by the bus, reads the same.
    const other = new CameraPolicies({ repo: store.cameraPolicies, defaultRequireLive: true });
    await other.reload();
    expect(other.list()).toEqual([
      { camera: '', requireLive: false },
      { camera: 'front door', requireLive: true },
    ]);
    expect(other.requireLive('lobby')).toBe(true); // its own default
    await policies.set('front door', null);
    expect(policies.requireLive('front door')).toBe(false);
    expect(await store.cameraPolicies.list()).toEqual([expect.objectContaining({ camera: '', requireLive: false })]);
    expect(changes).toBe(4);
  });

  it(`refuses a policy for more than ${MAX_CAMERA_POLICIES} cameras`, async () => {
    const policies = new CameraPolicies({ repo: { ...store.cameraPolicies, count: async () => MAX_CAMERA_POLICIES }, defaultRequireLive: false });
    await policies.reload();
    expect(await policies.set('one too many', true)).toEqual({ ok: false, reason: 'too_many' });
    expect(await policies.set('', true)).toMatchObject({ ok: true }); // one that has a policy may change it
  });

  it("a camera's match policy reads its requirement at each decision", () => {
    let door = true;
    const base = createMatchPolicy({ threshold: 0.8, requireLive: false, minSpoof: 0.7, enrolDuplicateThreshold: 0 });
    const cam = base.forCamera(() => door);
    const ada = [{ personId: 'a', name: 'Ada', score: 0.9 }];
    expect(cam.decide(ada, { verdict: 'refused' }).match).toBeNull();
    expect(cam.decide(ada, { verdict: 'live' }).match?.name).toBe('Ada');
    door = false;
    expect(cam.requireLive).toBe(false);
    expect(cam.decide(ada, { verdict: 'refused' }).match?.name).toBe('Ada');
    expect(base.decide(ada, { verdict: 'refused' }).match?.name).toBe('Ada');
  });
});

const view = (similarity: number | null, wouldBeNamed = false): RefusedView => ({
  chip: new Uint8Array(1),
  liveScore: 0.1,
  framesChecked: 2,
  attackFrames: 2,
  closest: similarity === null ? null : { personId: 'p', name: 'Ada' },
  similarity,
  wouldBeNamed,
});

describe('one security event per refused track', () => {
  it('is due at once when a refused view would have been named, and never again for that track', () => {
    const w = new RefusalWatch();
    expect(w.offer(1, view(0.9, true))?.similarity).toBe(0.9);
    expect(w.offer(1, view(0.95, true))).toBeNull();
    expect(w.retain([1])).toEqual([]);
  });

  it(`otherwise weighs ${REFUSED_VIEWS_BEFORE_RECORD} views and keeps the closest`, () => {
    const w = new RefusalWatch();
    const sims = [0.5, 0.7, 0.6, 0.65, 0.4];
    const due = sims.map((s) => w.offer(2, view(s)));
    expect(due.slice(0, -1)).toEqual([null, null, null, null]);
    expect(due.at(-1)?.similarity).toBe(0.7);
    expect(w.offer(2, view(0.99, true))).toBeNull();
  });

  it('records a track that leaves view (or whose camera goes away) before its views were weighed', () => {
    const w = new RefusalWatch();
    expect(w.offer(3, view(null))).toBeNull();
    expect(w.offer(4, view(0.6))).toBeNull();
    expect(w.retain([4]).map((v) => v.similarity)).toEqual([null]);
    expect(w.retain([]).map((v) => v.similarity)).toEqual([0.6]);
    expect(w.retain([])).toEqual([]);
  });
});

describe('presentation_attack event', () => {
  const stored = {
    type: 'security.stored' as const,
    event: {
      id: 'e1',
      camera: 'Front door',
      at: Date.UTC(2026, 0, 2, 8, 59),
      personId: 'p1',
      personName: 'Ada',
      similarity: 0.91,
      wouldBeNamed: true,
      liveScore: 0.04,
      framesChecked: 3,
      attackFrames: 3,
    },
  };

  it('carries the camera, scores, closest person and crop, and goes to the camera topic only (not the person’s presence)', () => {
    const ev = presentationAttackEvent(stored);
    expect(ev).toEqual({
      type: 'presentation_attack',
      payload: {
        at: '2026-01-02T08:59:00.000Z',
        camera: 'Front door',
        securityEventId: 'e1',
        closest: { id: 'p1', name: 'Ada' },
        similarity: 0.91,
        wouldBeNamed: true,
        liveScore: 0.04,
        framesChecked: 3,
        attackFrames: 3,
        cropUrl: '/api/v1/security-events/e1/crop',
      },
    });
    expect(eventTopics({ topicPrefix: 'facestream', discoveryPrefix: 'homeassistant' }, ev)).toEqual(['facestream/camera/front_door/presentation_attack']);
  });
});
