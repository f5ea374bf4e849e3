// A tiny Prometheus registry (counters, gauges, histograms in text format 0.0.4) and the live-path metrics fed from overlays.
import type { ServerMessage } from '../shared/protocol.js';
import type { SessionSocket } from './gateway/socket.js';

type Labels = Record<string, string>;
const labelText = (l: Labels) => {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
};
const key = (l: Labels) => JSON.stringify(Object.entries(l).sort());

interface Metric {
  render(): string[];
}

export class Counter implements Metric {
  private values = new Map<string, { labels: Labels; value: number }>();
  constructor(readonly name: string, readonly help: string) {}
  inc(labels: Labels = {}, by = 1): void {
    const k = key(labels);
    const v = this.values.get(k) ?? { labels, value: 0 };
    v.value += by;
    this.values.set(k, v);
  }
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    if (this.values.size === 0) lines.push(`${this.name} 0`);
    for (const v of this.values.values()) lines.push(`${this.name}${labelText(v.labels)} ${v.value}`);
    return lines;
  }
}

export class Gauge implements Metric {
  constructor(readonly name: string, readonly help: string, private readonly read: () => number | [Labels, number][]) {}
  render(): string[] {
    const v = this.read();
    const samples = typeof v === 'number' ? [[{}, v] as [Labels, number]] : v;
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`, ...samples.map(([l, n]) => `${this.name}${labelText(l)} ${n}`)];
  }
}

export class Histogram implements Metric {
  private series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(readonly name: string, readonly help: string, readonly buckets: number[]) {}
  observe(value: number, labels: Labels = {}): void {
    const k = key(labels);
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    this.buckets.forEach((b, i) => {
      if (value <= b) s.counts[i]! += 1;
    });
    s.sum += value;
    s.count += 1;
  }
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const s of this.series.values()) {
      this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: String(b) })} ${s.counts[i]}`));
      lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: '+Inf' })} ${s.count}`);
      lines.push(`${this.name}_sum${labelText(s.labels)} ${s.sum}`, `${this.name}_count${labelText(s.labels)} ${s.count}`);
    }
    return lines;
  }
}

export class Registry {
  private metrics: Metric[] = [];
  add<M extends Metric>(m: M): M {
    this.metrics.push(m);
    return m;
  }
  render(): string {
    return this.metrics.flatMap((m) => m.render()).join('\n') + '\n';
  }
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Seconds; live stages take milliseconds to a few hundred on a CPU. */
const STAGE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const STAGES = ['queue', 'decode', 'detect', 'embed', 'total'] as const;

/** The live-path metrics. They are read off the messages sessions send, so sessions need no metrics code of their own. */
export class LiveMetrics {
  readonly frames: Counter;
  readonly dropped: Counter;
  readonly errors: Counter;
  readonly stage: Histogram;

  constructor(readonly registry: Registry) {
    this.frames = registry.add(new Counter('facestream_frames_total', 'Frames processed and answered with an overlay.'));
    this.dropped = registry.add(new Counter('facestream_frames_dropped_total', 'Frames dropped because a newer one arrived (newest wins).'));
    this.errors = registry.add(new Counter('facestream_protocol_errors_total', 'Error messages sent to clients, by code.'));
    this.stage = registry.add(new Histogram('facestream_frame_stage_seconds', 'Time per live frame stage.', STAGE_BUCKETS));
  }

  /** Wraps a session's socket so every overlay and error it sends is counted. */
  observe(socket: SessionSocket): SessionSocket {
    let droppedSeen = 0;
    return {
      send: (m: ServerMessage) => {
        if (m.type === 'overlay') {
          this.frames.inc();
          for (const s of STAGES) this.stage.observe(m.timings[s] / 1000, { stage: s });
          if (m.stats.dropped > droppedSeen) this.dropped.inc({}, m.stats.dropped - droppedSeen);
          droppedSeen = m.stats.dropped;
        } else if (m.type === 'error') this.errors.inc({ code: m.code });
        socket.send(m);
      },
      close: (code, reason) => socket.close(code, reason),
      get bufferedAmount() {
        return socket.bufferedAmount;
      },
    };
  }
}
