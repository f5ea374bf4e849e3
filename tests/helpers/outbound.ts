// An Outbound on a test's own store, with limits short enough for a test: retries in tens of milliseconds, polls every
// 50 ms. Shared by the outbox and daily-summary suites.
import { createLocalBus } from '../../src/server/events/local-bus.js';
import type { EventBus } from '../../src/server/events/bus.js';
import { silentLogger } from '../../src/server/log.js';
import { Outbound, type OutboundLimits } from '../../src/server/outbound/outbound.js';
import type { Store } from '../../src/server/store/types.js';

export const TEST_OUTBOUND_LIMITS: OutboundLimits = {
  maxPending: 1000,
  maxAttempts: 50,
  maxAgeMs: 60_000,
  retryBaseMs: 50,
  retryMaxMs: 200,
  batch: 10,
  pollMs: 50,
  sendTimeoutMs: 2000,
  keepMs: 60_000,
  presenceMs: 60_000,
  reconnectMs: 500,
};

export function testOutbound(store: Store, opts: { limits?: Partial<OutboundLimits>; clock?: () => number; bus?: EventBus } = {}): Outbound {
  return new Outbound({
    outbox: store.outbox,
    integrations: store.integrations,
    people: async () => [],
    cameras: () => [],
    bus: opts.bus ?? createLocalBus(silentLogger),
    log: silentLogger,
    clock: opts.clock ?? Date.now,
    version: 'test',
    singleProcess: store.kind === 'pglite',
    limits: { ...TEST_OUTBOUND_LIMITS, ...opts.limits },
  });
}
