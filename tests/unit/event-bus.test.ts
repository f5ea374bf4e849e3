// The event bus: the in-process adapter (order, a failing handler isolated, unsubscribe) and, when TEST_DATABASE_URL
// is set, the PostgreSQL adapter between two buses as two servers would hold them (each hears the other once, never
// itself, and drops notifications it does not understand).
import os from 'node:os';
import postgres from 'postgres';
import { describe, expect, it, vi } from 'vitest';
import type { BusEvent, Origin } from '../../src/server/events/bus.js';
import { createLocalBus } from '../../src/server/events/local-bus.js';
import { CHANNEL, createPgBus, parseEvent } from '../../src/server/events/pg-bus.js';
import { openStore } from '../../src/server/store/db.js';
import { silentLogger } from '../../src/server/log.js';
import { pgTitle } from '../helpers/postgres.js';

const checkin = { id: 'c1', personId: 'p1', name: 'Ada', at: 1_700_000_000_000, score: 0.9, camera: 'door' };

describe('the in-process bus', () => {
  it('calls handlers in subscription order, past a failing one, and not after unsubscribe', async () => {
    const errors: unknown[] = [];
    const bus = createLocalBus({ error: (msg: string, fields?: unknown) => void errors.push([msg, fields]) });
    const seen: string[] = [];
    bus.on('checkin.recorded', () => void seen.push('first'));
    bus.on('checkin.recorded', () => {
      throw new Error('boom');
    });
    const off = bus.on('checkin.recorded', (e, origin) => void seen.push(`third ${e.checkin.name} remote=${origin.remote}`));
    bus.on('gallery.changed', () => void seen.push('wrong type'));
    await bus.publish({ type: 'checkin.recorded', checkin });
    expect(seen).toEqual(['first', 'third Ada remote=false']);
    expect(errors).toHaveLength(1);
    off();
    await bus.publish({ type: 'checkin.recorded', checkin });
    expect(seen).toEqual(['first', 'third Ada remote=false', 'first']);
    expect(bus.shared).toBe(false);
  });
});

describe('notifications from other servers', () => {
  it('are read only when they are events this server understands', () => {
    expect(parseEvent({ type: 'gallery.changed', change: { kind: 'person.removed', personId: 'p1' } })).toEqual({
      type: 'gallery.changed',
      change: { kind: 'person.removed', personId: 'p1' },
    });
    expect(parseEvent({ type: 'checkin.already', checkin, camera: 'gate' })).toEqual({ type: 'checkin.already', checkin, camera: 'gate' });
    expect(parseEvent({ type: 'checkin.already', checkin })).toBeNull(); // no camera
    expect(parseEvent({ type: 'checkin.recorded', checkin: { ...checkin, score: 'high' } })).toBeNull();
    expect(parseEvent({ type: 'gallery.changed', change: { kind: 'faces.removed', faceIds: [1] } })).toBeNull();
    expect(parseEvent({ kind: 'changed' })).toBeNull(); // the old wire format
    expect(parseEvent({ type: 'camera.policies.changed' })).toEqual({ type: 'camera.policies.changed' });
    expect(parseEvent({ type: 'security.stored', event: {} })).toBeNull(); // this server's own: never read from another
  });
});

describe.skipIf(!process.env.TEST_DATABASE_URL)(pgTitle('the PostgreSQL bus'), () => {
  it('carries every event to the other server once, never back to its sender, and skips malformed notifications', { timeout: 30_000 }, async () => {
    const url = process.env.TEST_DATABASE_URL!;
    const warn = vi.fn();
    // Two servers' stores: the bus rides on each store's LISTEN/NOTIFY channels, with no connection of its own.
    const storeA = await openStore({ databaseUrl: url, dataDir: os.tmpdir() });
    const storeB = await openStore({ databaseUrl: url, dataDir: os.tmpdir() });
    const a = await createPgBus({ channels: storeA.channels!, log: silentLogger });
    const b = await createPgBus({ channels: storeB.channels!, log: { ...silentLogger, warn } });
    const heard = { a: [] as [BusEvent, Origin][], b: [] as [BusEvent, Origin][] };
    for (const type of ['gallery.changed', 'checkin.recorded', 'checkin.already', 'camera.policies.changed'] as const) {
      a.on(type, (e, o) => void heard.a.push([e, o]));
      b.on(type, (e, o) => void heard.b.push([e, o]));
    }
    const sent: BusEvent[] = [
      { type: 'gallery.changed', change: { kind: 'faces.removed', faceIds: ['f1'] } },
      { type: 'checkin.recorded', checkin },
      { type: 'checkin.already', checkin, camera: 'gate' },
      { type: 'camera.policies.changed' },
    ];
    for (const e of sent) await a.publish(e);
    const raw = postgres(url, { max: 1, onnotice: () => {} });
    await raw.notify(CHANNEL, '{not json');
    await raw.notify(CHANNEL, JSON.stringify({ type: 'checkin.recorded', checkin: { id: 1 }, origin: 'someone' }));
    await raw.end();
    await vi.waitFor(() => expect(heard.b).toHaveLength(4), { timeout: 10_000 });
    await vi.waitFor(() => expect(warn).toHaveBeenCalledTimes(2), { timeout: 10_000 });
    expect(heard.b).toEqual(sent.map((e) => [e, { remote: true }]));
    expect(heard.a).toEqual(sent.map((e) => [e, { remote: false }]));
    expect(a.shared && b.shared).toBe(true);
    await a.close();
    await b.close();
    await Promise.all([storeA.close(), storeB.close()]);
  });
});
