// The event bus: the in-process adapter (order, a failing handler isolated, unsubscribe) and, when TEST_DATABASE_URL
// is set, the PostgreSQL adapter between two buses as two servers would hold them (each hears the other once, never
// itself, and drops notifications it does not understand).
import os from 'node:os';
import postgres from 'postgres';
import { describe, expect, it, vi } from 'vitest';
import type { BusEvent, Origin } from '../../src/server/events/bus.js';
import { createLocalBus } from '../../src/server/events/local-bus.js';
import { encodeWire } from '../../src/server/events/bus-wire.js';
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
  const wire = (m: unknown) => JSON.stringify(m);
  it('are read only when they are events this server understands, parsed by the one wire schema', () => {
    expect(parseEvent(wire({ type: 'gallery.changed', seq: 42, origin: 'o1' }))).toEqual({ event: { type: 'gallery.changed', seq: 42 }, origin: 'o1' });
    expect(parseEvent(wire({ type: 'checkin.already', checkin, camera: 'gate', origin: 'o1' }))).toEqual({
      event: { type: 'checkin.already', checkin, camera: 'gate' },
      origin: 'o1',
    });
    expect(parseEvent(wire({ type: 'checkin.already', checkin, origin: 'o1' }))).toBeNull(); // no camera
    expect(parseEvent(wire({ type: 'checkin.recorded', checkin: { ...checkin, score: 'high' }, origin: 'o1' }))).toBeNull();
    expect(parseEvent(wire({ type: 'gallery.changed', seq: -1, origin: 'o1' }))).toBeNull();
    expect(parseEvent(wire({ type: 'gallery.changed', seq: 1.5, origin: 'o1' }))).toBeNull();
    expect(parseEvent(wire({ type: 'gallery.changed', seq: 1 }))).toBeNull(); // no sender
    expect(parseEvent(wire({ type: 'gallery.changed', change: { kind: 'changed' }, origin: 'o1' }))).toBeNull(); // the old wire format
    expect(parseEvent(wire({ type: 'recognition', recognition: {}, origin: 'o1' }))).toBeNull(); // never crosses servers
    expect(parseEvent('{not json')).toBeNull();
    expect(parseEvent(wire({ type: 'camera.policies.changed', origin: 'o1' }))).toEqual({ event: { type: 'camera.policies.changed' }, origin: 'o1' });
    expect(parseEvent(wire({ type: 'security.stored', event: {}, origin: 'o1' }))).toBeNull(); // this server's own: never read from another
  });

  it('are checked on the way out too: an event that does not cross servers, or a malformed one, is never sent', () => {
    expect(JSON.parse(encodeWire({ type: 'gallery.changed', seq: 7 }, 'me'))).toEqual({ type: 'gallery.changed', seq: 7, origin: 'me' });
    expect(() => encodeWire({ type: 'bus.reconnected' }, 'me')).toThrow();
    expect(() => encodeWire({ type: 'gallery.changed', seq: Number.NaN }, 'me')).toThrow();
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
      { type: 'gallery.changed', seq: 3 },
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
