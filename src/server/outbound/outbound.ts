// Events out: what happens inside the server (the event bus) goes into the outbox, and the dispatcher takes it to
// every webhook and the MQTT broker. Limits: OUTBOX_MAX_PENDING deliveries wait at most (past it new events are refused,
// counted and logged, never queued in memory instead), each is tried OUTBOX_MAX_ATTEMPTS times within OUTBOX_MAX_AGE_MS.
import type { EventBus, EventOf } from '../events/bus.js';
import type { Logger } from '../log.js';
import type { CheckInRow } from '../store/checkins-repo.js';
import type { IntegrationsRepo, MqttSettings, Webhook } from '../store/integrations-repo.js';
import type { EnqueueOutcome, OutboxEvent, OutboxRepo, Targets } from '../store/outbox-repo.js';
import { Dispatcher, type DispatchLimits } from './dispatcher.js';
import { cameraEvent, checkinEvent, presentationAttackEvent, recognitionEvent, testEvent, unknownEvent, wireBody } from './event-types.js';
import { formatRequest, photoOf, photoRequest, type OutgoingRequest } from './chat-formats.js';
import { MqttLink } from './mqtt-link.js';
import type { KnownPerson } from './mqtt-topics.js';
import { sendWebhook, type SendResult } from './webhook-sender.js';

export interface OutboundLimits extends DispatchLimits {
  maxPending: number;
  /** Finished deliveries are kept this long (for the status pages), then deleted. */
  keepMs: number;
  presenceMs: number;
  reconnectMs: number;
}

export interface OutboundDeps {
  outbox: OutboxRepo;
  integrations: IntegrationsRepo;
  people: () => Promise<KnownPerson[]>;
  /** Cameras seen sending frames (for discovery). */
  cameras: () => string[];
  bus: EventBus;
  log: Logger;
  clock: () => number;
  version: string;
  limits: OutboundLimits;
  /** PGlite: this process alone holds the database, so claims a killed run left are free at once. */
  singleProcess: boolean;
  onResult?: (target: 'webhook' | 'mqtt', result: 'delivered' | 'retry' | 'failed') => void;
  onRefused?: () => void;
  /** A stored face's JPEG (an unknown sighting's or a refused face's), for chats that post photos; null when gone. */
  crop?: (kind: 'sighting' | 'security', id: string) => Promise<Uint8Array | null>;
}

/** How long a webhook read from the database is trusted before it is read again (another server may change it). */
const WEBHOOK_CACHE_MS = 10_000;
/** Quiet time after a gallery change before MQTT discovery is published again. */
const DISCOVERY_DELAY_MS = 1000;

export class Outbound {
  readonly dispatcher: Dispatcher;
  readonly mqtt: MqttLink;
  private readonly hooks = new Map<string, { hook: Webhook | null; at: number }>();
  private readonly unsubscribe: (() => void)[] = [];
  private pruneTimer: ReturnType<typeof setInterval> | null = null;
  private refusedLogged = 0;
  private discoveryTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly deps: OutboundDeps) {
    const { log, clock, limits } = deps;
    this.mqtt = new MqttLink({
      log,
      clock,
      version: deps.version,
      presenceMs: limits.presenceMs,
      publishTimeoutMs: limits.sendTimeoutMs,
      reconnectMs: limits.reconnectMs,
      people: deps.people,
      cameras: deps.cameras,
      onConnected: () => this.dispatcher.recovered('mqtt'),
    });
    this.dispatcher = new Dispatcher({
      outbox: deps.outbox,
      senders: { webhook: { send: (d) => this.sendToWebhook(d) }, mqtt: this.mqtt },
      limits,
      clock,
      log,
      onResult: deps.onResult,
    });
  }

  async start(): Promise<void> {
    const { bus, outbox, clock } = this.deps;
    if (this.deps.singleProcess) await outbox.releaseAll(new Date(clock()));
    await this.mqtt.configure(await this.deps.integrations.mqtt());
    // Only this server's own events: another server on the same database sends out its own.
    const local =
      <T extends Parameters<EventBus['on']>[0]>(build: (e: EventOf<T>) => OutboxEvent) =>
      (e: EventOf<T>, origin: { remote: boolean }) => {
        if (!origin.remote) void this.enqueue(build(e));
      };
    this.unsubscribe.push(
      bus.on('recognition', local<'recognition'>(recognitionEvent)),
      bus.on('sighting.stored', local<'sighting.stored'>(unknownEvent)),
      bus.on('security.stored', local<'security.stored'>(presentationAttackEvent)),
      bus.on('camera.down', local<'camera.down'>(cameraEvent)),
      bus.on('camera.up', local<'camera.up'>(cameraEvent)),
      bus.on('gallery.changed', () => this.discoverySoon()),
    );
    this.dispatcher.start();
    const prune = () => void this.prune();
    this.pruneTimer = setInterval(prune, 60_000);
    this.pruneTimer.unref();
    prune();
  }

  /** People changed: discovery is published again, once per burst of changes (an import changes the gallery often). */
  private discoverySoon(): void {
    if (this.discoveryTimer) return;
    this.discoveryTimer = setTimeout(() => {
      this.discoveryTimer = null;
      void this.mqtt.refreshDiscovery().catch((err) => this.deps.log.warn('mqtt: discovery failed', { error: String(err) }));
    }, DISCOVERY_DELAY_MS);
    this.discoveryTimer.unref();
  }

  /** For CheckInService: each check-in's event, written in the check-in's own transaction. */
  checkinOutbox() {
    return {
      event: (row: CheckInRow) => checkinEvent(row),
      maxPending: this.deps.limits.maxPending,
      onQueued: (o: EnqueueOutcome) => this.queued(o, 'checkin'),
    };
  }

  /** Writes an event to the outbox (right after what it reports) and wakes the dispatcher. Never throws. */
  async enqueue(ev: OutboxEvent, targets?: Targets): Promise<EnqueueOutcome> {
    try {
      const o = await this.deps.outbox.enqueue(ev, { maxPending: this.deps.limits.maxPending, now: new Date(this.deps.clock()), targets });
      this.queued(o, ev.type);
      return o;
    } catch (err) {
      this.deps.log.error('outbox: an event could not be written; it is not sent', { type: ev.type, error: String(err) });
      return { id: null, deliveries: 0 };
    }
  }

  private queued(o: EnqueueOutcome, type: string): void {
    if (o.id) return this.dispatcher.wake();
    if (!('refused' in o) || !o.refused) return;
    this.deps.onRefused?.();
    const now = this.deps.clock();
    // Logged at most once a minute: a full outbox under a busy camera would otherwise flood the log.
    if (now - this.refusedLogged > 60_000) {
      this.refusedLogged = now;
      this.deps.log.error('outbox full (OUTBOX_MAX_PENDING): new events are refused until deliveries catch up', { type, max: this.deps.limits.maxPending });
    }
  }

  /** A `test` event to one webhook or to the broker, through the outbox like any other. */
  async sendTest(target: { webhookId: string } | { mqtt: true }, by: string): Promise<EnqueueOutcome> {
    const targets: Targets = 'webhookId' in target ? { webhookIds: [target.webhookId] } : { mqtt: true };
    return this.enqueue(testEvent(this.deps.clock(), by), targets);
  }

  /** A webhook was created, changed or deleted (its pending deliveries are given up when it is disabled). */
  async webhookChanged(id: string, now: Webhook | null): Promise<void> {
    this.hooks.delete(id);
    if (!now?.enabled) await this.deps.outbox.abandon({ webhookId: id }, now ? 'webhook disabled' : 'webhook deleted');
    // A changed URL may work now: whatever it rested for is forgotten.
    this.dispatcher.recovered({ webhookId: id });
  }

  async mqttChanged(settings: MqttSettings): Promise<void> {
    if (!settings.enabled) await this.deps.outbox.abandon({ mqtt: true }, 'MQTT disabled');
    await this.mqtt.configure(settings);
  }

  private async webhook(id: string): Promise<Webhook | null> {
    const now = this.deps.clock();
    const cached = this.hooks.get(id);
    if (cached && now - cached.at < WEBHOOK_CACHE_MS) return cached.hook;
    const hook = await this.deps.integrations.getWebhook(id);
    this.hooks.set(id, { hook, at: now });
    return hook;
  }

  private async sendToWebhook(d: Parameters<typeof wireBody>[0] & { webhookId: string | null }): Promise<SendResult> {
    const hook = d.webhookId ? await this.webhook(d.webhookId) : null;
    if (!hook) return { ok: false, status: null, error: 'webhook deleted', permanent: true };
    if (!hook.enabled) return { ok: false, status: null, error: 'webhook disabled', permanent: true };
    let request: OutgoingRequest;
    try {
      const jpeg = await this.photo(hook.format, d.type, d.payload);
      request =
        jpeg && (hook.format === 'telegram' || hook.format === 'discord')
          ? photoRequest(hook.format, hook.url, d, jpeg)
          : formatRequest(hook.format, hook.url, { type: d.type, payload: d.payload, json: wireBody(d) });
    } catch (err) {
      // The API checks each URL against its format, so only a row written around it gets here: no retry mends it.
      return { ok: false, status: null, error: err instanceof Error ? err.message : String(err), permanent: true };
    }
    return sendWebhook(
      hook,
      { eventId: d.eventId, type: d.type, request },
      { timeoutMs: this.deps.limits.sendTimeoutMs, now: this.deps.clock(), userAgent: `Facestream/${this.deps.version}` },
    );
  }

  /** The face a chat message shows, when its format posts photos and the face is still stored; else the line alone. */
  private async photo(format: Webhook['format'], type: string, payload: Record<string, unknown>): Promise<Uint8Array | null> {
    const which = photoOf(format, type, payload);
    if (!which || !this.deps.crop) return null;
    try {
      return await this.deps.crop(which.kind, which.id);
    } catch (err) {
      this.deps.log.warn('outbound: a face for a chat message could not be read; the line goes alone', { error: String(err) });
      return null;
    }
  }

  private async prune(): Promise<void> {
    const { outbox, clock, limits, log } = this.deps;
    try {
      const now = clock();
      const expired = await outbox.expire(new Date(now - limits.maxAgeMs), 'expired: older than OUTBOX_MAX_AGE_MS');
      if (expired > 0) log.warn('outbox: deliveries expired undelivered', { count: expired });
      await outbox.prune(new Date(now - limits.keepMs));
    } catch (err) {
      log.warn('outbox: pruning failed', { error: String(err) });
    }
  }

  async close(): Promise<void> {
    for (const u of this.unsubscribe) u();
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    if (this.discoveryTimer) clearTimeout(this.discoveryTimer);
    await this.dispatcher.stop();
    await this.mqtt.close();
  }
}
