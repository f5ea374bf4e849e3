// Prometheus metrics on prom-client: a registry with the process's default metrics, thin metric wrappers, the live-path
// metrics read off the messages sessions send, and the counters of domain events (check-ins, unknown sightings).
import { collectDefaultMetrics, Counter as PromCounter, Gauge as PromGauge, Histogram as PromHistogram, Registry as PromRegistry } from 'prom-client';
import type { ServerMessage } from '../shared/protocol.js';

type Labels = Record<string, string>;
type PromMetric = PromCounter | PromGauge | PromHistogram;

interface Metric {
  readonly metric: PromMetric;
}

// The wrappers keep the call shape the server had before prom-client (value first, labels second) and declare label
// names up front, which prom-client needs and which keeps each metric's label set fixed.
export class Counter implements Metric {
  readonly metric: PromCounter;
  constructor(name: string, help: string, labelNames: string[] = []) {
    this.metric = new PromCounter({ name, help, labelNames, registers: [] });
  }
  inc(labels: Labels = {}, by = 1): void {
    this.metric.inc(labels, by);
  }
}

export class Gauge implements Metric {
  readonly metric: PromGauge;
  /** `read` is called at each scrape: one number, or one per label set. */
  constructor(name: string, help: string, read: () => number | [Labels, number][], labelNames: string[] = []) {
    this.metric = new PromGauge({
      name,
      help,
      labelNames,
      registers: [],
      collect() {
        const v = read();
        this.reset(); // a label set that is gone (a priority with nothing waiting) must not keep its last value
        if (typeof v === 'number') this.set(v);
        else for (const [labels, n] of v) this.set(labels, n);
      },
    });
  }
}

export class Histogram implements Metric {
  readonly metric: PromHistogram;
  constructor(name: string, help: string, buckets: number[], labelNames: string[] = []) {
    this.metric = new PromHistogram({ name, help, buckets, labelNames, registers: [] });
  }
  observe(value: number, labels: Labels = {}): void {
    this.metric.observe(labels, value);
  }
}

export interface RegistryOptions {
  /** CPU, memory, event-loop lag, handles and GC of this process (prom-client's default metrics). */
  processMetrics?: boolean;
}

export class Registry {
  private readonly prom = new PromRegistry();
  constructor(opts: RegistryOptions = {}) {
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.prom });
  }
  add<M extends Metric>(m: M): M {
    this.prom.registerMetric(m.metric);
    return m;
  }
  /** The text exposition format; a promise because prom-client's collectors may be asynchronous. */
  render(): Promise<string> {
    return this.prom.metrics();
  }
}

export const PROMETHEUS_CONTENT_TYPE = PromRegistry.PROMETHEUS_CONTENT_TYPE;

/** Seconds; live stages take milliseconds to a few hundred on a CPU. */
const STAGE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const STAGES = ['queue', 'decode', 'detect', 'embed', 'total'] as const;
/** Track ids a session's tracker hands out only grow, so the oldest entries are the ones to forget. */
const TRACKS_REMEMBERED = 256;

/** What metrics needs of a session's socket: gateway's SessionSocket has this shape, and metrics imports nothing of the gateway. */
export interface MeteredSocket {
  send(message: ServerMessage): void;
  close(code: number, reason: string): void;
  readonly bufferedAmount: number;
}

/** The live-path metrics. They are read off the messages sessions send, so sessions need no metrics code of their own. */
export class LiveMetrics {
  readonly frames: Counter;
  readonly dropped: Counter;
  readonly errors: Counter;
  readonly stage: Histogram;
  readonly recognitions: Counter;
  readonly enrolments: Counter;
  readonly refusals: Counter;

  constructor(readonly registry: Registry) {
    this.frames = registry.add(new Counter('facestream_frames_total', 'Frames processed and answered with an overlay.'));
    this.dropped = registry.add(new Counter('facestream_frames_dropped_total', 'Frames dropped because a newer one arrived (newest wins).'));
    this.errors = registry.add(new Counter('facestream_protocol_errors_total', 'Error messages sent to clients, by code.', ['code']));
    this.stage = registry.add(new Histogram('facestream_frame_stage_seconds', 'Time per live frame stage.', STAGE_BUCKETS, ['stage']));
    this.recognitions = registry.add(
      new Counter('facestream_recognitions_total', 'Live tracks named as an enrolled person (a track counts again only if its person changes).'),
    );
    this.enrolments = registry.add(
      new Counter(
        'facestream_enrolments_total',
        'Live enrolments ended, by result: created, added (views to an existing person), cancelled, duplicate, failed, timeout.',
        ['result'],
      ),
    );
    this.refusals = registry.add(new Counter('facestream_enrolment_refusals_total', 'Enrolment views refused, by the gate that refused them.', ['gate']));
  }

  /** Wraps a session's socket so every overlay, enrolment message and error it sends is counted. */
  observe(socket: MeteredSocket): MeteredSocket {
    let droppedSeen = 0;
    const named = new Map<number, string>();
    const count = (m: ServerMessage) => {
      if (m.type === 'overlay') {
        this.frames.inc();
        for (const s of STAGES) this.stage.observe(m.timings[s] / 1000, { stage: s });
        if (m.stats.dropped > droppedSeen) this.dropped.inc({}, m.stats.dropped - droppedSeen);
        droppedSeen = m.stats.dropped;
        for (const t of m.tracks) {
          if (t.state !== 'recognized' || t.personId === null || named.get(t.id) === t.personId) continue;
          this.recognitions.inc();
          named.set(t.id, t.personId);
          if (named.size > TRACKS_REMEMBERED) named.delete(named.keys().next().value!);
        }
      } else if (m.type === 'error') this.errors.inc({ code: m.code });
      else if (m.type === 'enrol.done') this.enrolments.inc({ result: m.created ? 'created' : 'added' });
      else if (m.type === 'enrol.cancelled') this.enrolments.inc({ result: m.code ?? 'cancelled' });
      else if (m.type === 'enrol.progress' && !m.accepted && m.code) this.refusals.inc({ gate: m.code });
    };
    return {
      send: (m) => {
        count(m);
        socket.send(m);
      },
      close: (code, reason) => socket.close(code, reason),
      get bufferedAmount() {
        return socket.bufferedAmount;
      },
    };
  }
}

/**
 * Counters of events that happen away from any one socket. A check-in is fanned out to every session on its camera and
 * to every kiosk, so counting `checkin` messages would count it many times: the service that stores it counts it.
 */
export class EventMetrics {
  readonly checkIns: Counter;
  readonly unknownSightings: Counter;
  readonly securityEvents: Counter;

  constructor(registry: Registry) {
    this.checkIns = registry.add(new Counter('facestream_checkins_total', 'Check-ins recorded by this server.'));
    this.unknownSightings = registry.add(new Counter('facestream_unknown_sightings_total', 'Unknown faces stored as sightings by this server.'));
    this.securityEvents = registry.add(
      new Counter('facestream_presentation_attacks_total', 'Presentation attacks refused and stored as security events by this server.'),
    );
  }
}

/** Webhook and MQTT deliveries (outbound/): what left, what failed, what the outbox refused. */
export class OutboundMetrics {
  readonly deliveries: Counter;
  readonly refused: Counter;

  constructor(registry: Registry, pending: () => number) {
    this.deliveries = registry.add(
      new Counter('facestream_outbound_deliveries_total', 'Webhook and MQTT delivery attempts, by target kind and result.', ['target', 'result']),
    );
    this.refused = registry.add(new Counter('facestream_outbox_refused_total', 'Events not queued because the outbox held OUTBOX_MAX_PENDING deliveries.'));
    registry.add(new Gauge('facestream_outbox_pending', 'Deliveries waiting in the outbox (as of the last dispatcher pass).', pending));
  }
}
