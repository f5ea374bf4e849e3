// The MQTT side: one connection to the broker (the `mqtt` package reconnects by itself), events from the outbox on
// per-camera and per-person topics, retained state topics, and Home Assistant discovery for them.
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from '../log.js';
import type { MqttSettings } from '../store/integrations-repo.js';
import type { ClaimedDelivery } from '../store/outbox-repo.js';
import { wireBody } from './event-types.js';
import { discoveryMessages, eventTopics, personStateTopic, presenceMessages, topicsOf, type KnownPerson } from './mqtt-topics.js';
import type { SendResult } from './webhook-sender.js';

export interface MqttStatus {
  enabled: boolean;
  connected: boolean;
  /** The broker URL without credentials. */
  url: string | null;
  lastError: string | null;
  connectedAt: string | null;
}

export interface MqttLinkDeps {
  log: Logger;
  clock: () => number;
  version: string;
  /** A person is "present" this long after they were last recognised or checked in. */
  presenceMs: number;
  publishTimeoutMs: number;
  reconnectMs: number;
  people: () => Promise<KnownPerson[]>;
  cameras: () => string[];
  /** The broker (re)connected: deliveries waiting for it can go. */
  onConnected: () => void;
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '(unparseable url)';
  }
}

export class MqttLink {
  private client: MqttClient | null = null;
  private settings: MqttSettings | null = null;
  private lastError: string | null = null;
  private connectedAt: number | null = null;
  /** Person id -> when their presence ends (ms), and the timer that turns it off. */
  private readonly present = new Map<string, { until: number; timer: ReturnType<typeof setTimeout>; slug: string }>();
  /** Cameras and people whose discovery was published on this connection. */
  private readonly discovered = new Set<string>();
  private publishedPeople = new Map<string, string>();

  constructor(private readonly deps: MqttLinkDeps) {}

  /** (Re)connects with new settings, or disconnects when they are off or absent. */
  async configure(settings: MqttSettings | null): Promise<void> {
    await this.disconnect();
    this.settings = settings;
    this.lastError = null;
    if (!settings?.enabled) return;
    const p = settings.topicPrefix;
    const client = mqtt.connect(settings.url, {
      username: settings.username ?? undefined,
      password: settings.password ?? undefined,
      clientId: `facestream-${Math.random().toString(16).slice(2, 10)}`,
      reconnectPeriod: this.deps.reconnectMs,
      connectTimeout: 10_000,
      // Events wait in the outbox, not in the client: nothing is queued while the broker is away.
      queueQoSZero: false,
      will: { topic: `${p}/availability`, payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    this.client = client;
    client.on('connect', () => {
      this.connectedAt = this.deps.clock();
      this.lastError = null;
      this.deps.log.info('mqtt: connected', { broker: redactUrl(settings.url) });
      void this.announce(client).then(() => this.deps.onConnected());
    });
    client.on('error', (err) => {
      if (this.lastError !== err.message) this.deps.log.warn('mqtt: broker error', { broker: redactUrl(settings.url), error: err.message });
      this.lastError = err.message;
    });
    client.on('close', () => {
      if (this.connectedAt !== null) this.deps.log.warn('mqtt: connection lost; reconnecting', { broker: redactUrl(settings.url) });
      this.connectedAt = null;
      this.discovered.clear();
    });
  }

  status(): MqttStatus {
    const s = this.settings;
    return {
      enabled: s?.enabled ?? false,
      connected: this.client?.connected ?? false,
      url: s ? redactUrl(s.url) : null,
      lastError: this.lastError,
      connectedAt: this.connectedAt === null ? null : new Date(this.connectedAt).toISOString(),
    };
  }

  /** Availability, discovery and every person's presence: on each (re)connect, all retained. */
  private async announce(client: MqttClient): Promise<void> {
    const s = this.settings!;
    try {
      await client.publishAsync(`${s.topicPrefix}/availability`, 'online', { qos: 1, retain: true });
      await this.refreshDiscovery();
    } catch (err) {
      this.deps.log.warn('mqtt: announcing failed', { error: String(err) });
    }
  }

  /** Publishes discovery for people and cameras (and removes it for people who are gone). After gallery changes too. */
  async refreshDiscovery(): Promise<void> {
    const s = this.settings;
    const client = this.client;
    if (!s || !client?.connected) return;
    const people = await this.deps.people();
    const now = this.deps.clock();
    const msgs = [
      ...(s.discovery ? discoveryMessages(s, { people, cameras: this.deps.cameras(), removedPeople: this.gone(people), version: this.deps.version }) : []),
      ...presenceMessages(s, people, (id) => (this.present.get(id)?.until ?? 0) > now),
    ];
    for (const c of this.deps.cameras()) this.discovered.add(`camera:${c}`);
    this.publishedPeople = new Map(people.map((p) => [p.id, p.name]));
    for (const m of msgs) await client.publishAsync(m.topic, m.payload, { qos: 1, retain: true });
  }

  private gone(people: KnownPerson[]): KnownPerson[] {
    const now = new Set(people.map((p) => p.id));
    return [...this.publishedPeople].filter(([id]) => !now.has(id)).map(([id, name]) => ({ id, name }));
  }

  /** One outbox delivery: the event on its topics (QoS 1), then the retained states it changes. */
  async send(d: ClaimedDelivery): Promise<SendResult> {
    const s = this.settings;
    const client = this.client;
    if (!s?.enabled) return { ok: false, status: null, error: 'MQTT is disabled', permanent: true };
    if (!client?.connected)
      return { ok: false, status: null, error: `not connected to the broker${this.lastError ? `: ${this.lastError}` : ''}`, permanent: false };
    const body = wireBody(d);
    const timeout = <T>(p: Promise<T>) =>
      Promise.race([
        p,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`no PUBACK in ${this.deps.publishTimeoutMs} ms`)), this.deps.publishTimeoutMs).unref(),
        ),
      ]);
    try {
      const camera = typeof d.payload.camera === 'string' ? d.payload.camera : null;
      // A camera seen for the first time gets its discovery first (test events name no real camera).
      if (camera !== null && d.type !== 'test' && s.discovery && !this.discovered.has(`camera:${camera}`)) {
        for (const m of discoveryMessages(s, { people: [], cameras: [camera], removedPeople: [], version: this.deps.version })) {
          await timeout(client.publishAsync(m.topic, m.payload, { qos: 1, retain: true }));
        }
        this.discovered.add(`camera:${camera}`);
      }
      for (const topic of eventTopics(s, d)) await timeout(client.publishAsync(topic, body, { qos: 1 }));
      for (const m of this.stateChanges(s, d)) await timeout(client.publishAsync(m.topic, m.payload, { qos: 1, retain: true }));
      return { ok: true, status: null };
    } catch (err) {
      return { ok: false, status: null, error: err instanceof Error ? err.message : String(err), permanent: false };
    }
  }

  /** Retained states an event sets: the camera's last name and online state, the person's presence. */
  private stateChanges(s: MqttSettings, d: ClaimedDelivery): { topic: string; payload: string }[] {
    const t = topicsOf(s);
    const camera = typeof d.payload.camera === 'string' ? d.payload.camera : '';
    const person = d.payload.person as KnownPerson | undefined;
    const out: { topic: string; payload: string }[] = [];
    if (d.type === 'camera.down' || d.type === 'camera.up') out.push({ topic: t.cameraState(camera), payload: d.type === 'camera.up' ? 'online' : 'offline' });
    if ((d.type === 'recognition' || d.type === 'checkin') && person) {
      out.push({ topic: t.cameraLastPerson(camera), payload: person.name });
      const at = Date.parse(String(d.payload.at));
      const until = (Number.isFinite(at) ? at : this.deps.clock()) + this.deps.presenceMs;
      if (until > this.deps.clock()) {
        this.markPresent(s, person, until);
        out.push({ topic: personStateTopic(s, person), payload: 'ON' });
      }
    }
    return out;
  }

  private markPresent(s: MqttSettings, person: KnownPerson, until: number): void {
    const prev = this.present.get(person.id);
    if (prev && prev.until >= until) return;
    if (prev) clearTimeout(prev.timer);
    const timer = setTimeout(() => {
      this.present.delete(person.id);
      if (this.client?.connected) void this.client.publishAsync(personStateTopic(s, person), 'OFF', { qos: 1, retain: true }).catch(() => {});
    }, until - this.deps.clock());
    timer.unref();
    this.present.set(person.id, { until, timer, slug: person.name });
  }

  private async disconnect(): Promise<void> {
    const client = this.client;
    this.client = null;
    this.connectedAt = null;
    this.discovered.clear();
    for (const p of this.present.values()) clearTimeout(p.timer);
    this.present.clear();
    if (!client) return;
    const s = this.settings;
    // A clean goodbye says offline itself (the will is only for a connection that drops).
    if (client.connected && s) await client.publishAsync(`${s.topicPrefix}/availability`, 'offline', { qos: 1, retain: true }).catch(() => {});
    await client.endAsync(true).catch(() => {});
  }

  close(): Promise<void> {
    return this.disconnect();
  }
}
