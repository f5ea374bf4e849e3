// Step: webhooks and MQTT, the outbox and its dispatcher. Closed after the check-ins are flushed: their events are in
// the outbox (written with them), and the outbox outlives a restart.
import type { Config } from '../config.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../log.js';
import { OutboundMetrics, type Registry } from '../metrics.js';
import { Outbound } from '../outbound/outbound.js';
import type { Store } from '../store/types.js';
import type { Clock } from '../attendance/checkins.js';

export interface OutboundDeps {
  config: Config;
  store: Store;
  bus: EventBus;
  log: Logger;
  clock: Clock;
  metrics: Registry;
  version: string;
  /** Cameras seen since the start, for MQTT presence. */
  cameras: () => string[];
}

export async function openOutbound({ config, store, bus, log, clock, metrics, version, cameras }: OutboundDeps): Promise<Outbound> {
  // Read at scrape time, by then `outbound` exists.
  const outboundMetrics = new OutboundMetrics(metrics, () => outbound.dispatcher.pending);
  const outbound = new Outbound({
    outbox: store.outbox,
    integrations: store.integrations,
    people: async () => (await store.listPeople()).map((p) => ({ id: p.id, name: p.name })),
    cameras,
    bus,
    log,
    clock,
    version,
    singleProcess: store.kind === 'pglite',
    limits: {
      maxPending: config.OUTBOX_MAX_PENDING,
      maxAttempts: config.OUTBOX_MAX_ATTEMPTS,
      maxAgeMs: config.OUTBOX_MAX_AGE_MS,
      retryBaseMs: config.OUTBOX_RETRY_BASE_MS,
      retryMaxMs: config.OUTBOX_RETRY_MAX_MS,
      batch: config.OUTBOX_BATCH,
      pollMs: config.OUTBOX_POLL_MS,
      keepMs: config.OUTBOX_KEEP_MS,
      sendTimeoutMs: config.WEBHOOK_TIMEOUT_MS,
      presenceMs: config.MQTT_PRESENCE_MS,
      reconnectMs: config.MQTT_RECONNECT_MS,
    },
    onResult: (target, result) => outboundMetrics.deliveries.inc({ target, result }),
    onRefused: () => outboundMetrics.refused.inc(),
    crop: (kind, id) => (kind === 'sighting' ? store.events.sightingCrop(id) : store.securityEvents.crop(id)),
  });
  try {
    await outbound.start();
  } catch (err) {
    await outbound.close().catch(() => {});
    throw err;
  }
  return outbound;
}
