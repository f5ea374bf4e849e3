// Capture loop: sends frames while fewer than maxFramesInFlight are unanswered; measures fps and round-trip latency.
import { encodeFrame } from '../shared/protocol.js';
import type { Overlay } from '../shared/protocol.js';
import type { Camera } from './camera.js';
import type { Connection } from './connection.js';

/** Frames sent but not yet answered. An overlay for seq N answers N and every earlier frame. Pure, no DOM. */
export class InFlight {
  private readonly sent = new Map<number, number>(); // seq -> sent at (ms)
  constructor(private readonly maxAgeMs = 2000) {}

  add(seq: number, now: number): void {
    this.sent.set(seq, now);
  }
  /** Forgets `seq` and everything sent before it. */
  answer(seq: number): void {
    for (const s of this.sent.keys()) if (s <= seq) this.sent.delete(s);
  }
  /** Forgets frames older than maxAgeMs (the server dropped them); returns how many were forgotten. */
  expire(now: number): number {
    let n = 0;
    for (const [s, at] of this.sent) {
      if (now - at > this.maxAgeMs) {
        this.sent.delete(s);
        n++;
      }
    }
    return n;
  }
  count(now: number): number {
    this.expire(now);
    return this.sent.size;
  }
  canSend(limit: number, now: number): boolean {
    return this.count(now) < Math.max(1, limit);
  }
  clear(): void {
    this.sent.clear();
  }
}

/** Events per second over a sliding window. Pure. */
export class RateMeter {
  private times: number[] = [];
  constructor(private readonly windowMs = 2000) {}
  tick(now: number): void {
    this.times.push(now);
    this.prune(now);
  }
  rate(now: number): number {
    this.prune(now);
    if (this.times.length < 2) return 0;
    const span = Math.max(now - this.times[0]!, this.windowMs / 2);
    return ((this.times.length - 1) * 1000) / span;
  }
  clear(): void {
    this.times = [];
  }
  private prune(now: number): void {
    while (this.times.length > 0 && now - this.times[0]! > this.windowMs) this.times.shift();
  }
}

/** Median of the last `size` samples. Pure. */
export class LatencyWindow {
  private samples: number[] = [];
  constructor(private readonly size = 30) {}
  add(ms: number): void {
    this.samples.push(ms);
    if (this.samples.length > this.size) this.samples.shift();
  }
  p50(): number | null {
    if (this.samples.length === 0) return null;
    const sorted = [...this.samples].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  }
}

export interface StreamerStats {
  fps: number;
  latencyP50: number | null;
  /** Frames the server dropped this session (overlay.stats.dropped). */
  dropped: number;
  sent: number;
  inFlight: number;
}

export interface StreamerOptions {
  /** Upper bound on frames sent per second, whatever the server keeps up with. */
  maxFps?: number;
  /** Don't queue more than this in the socket's send buffer. */
  maxBufferedBytes?: number;
}

export class Streamer {
  private seq = 0;
  private sent = 0;
  private dropped = 0;
  private lastSendAt = 0;
  private lastFrame: number | null = null;
  private busy = false;
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly inFlight = new InFlight(2000);
  private readonly fps = new RateMeter(2000);
  private readonly latency = new LatencyWindow(30);
  private readonly minIntervalMs: number;
  private readonly maxBufferedBytes: number;

  constructor(
    private readonly camera: Camera,
    private readonly conn: Connection,
    options: StreamerOptions = {},
  ) {
    this.minIntervalMs = 1000 / (options.maxFps ?? 30);
    this.maxBufferedBytes = options.maxBufferedBytes ?? 1 << 20;
    conn.on('overlay', (o) => this.onOverlay(o));
    conn.on('welcome', () => this.pump());
    // An error naming a frame (undecodable image, too large) is that frame's answer: free its slot at once.
    conn.on('error', (e) => {
      if (e.seq === undefined) return;
      this.inFlight.answer(e.seq);
      this.pump();
    });
    conn.onState(() => this.inFlight.clear()); // a new socket starts with nothing in flight
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.pump(), Math.max(5, this.minIntervalMs / 2));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  stats(now = performance.now()): StreamerStats {
    return { fps: this.fps.rate(now), latencyP50: this.latency.p50(), dropped: this.dropped, sent: this.sent, inFlight: this.inFlight.count(now) };
  }

  private onOverlay(o: Overlay): void {
    const now = performance.now();
    this.inFlight.answer(o.seq);
    this.fps.tick(now);
    this.latency.add(Math.max(0, Date.now() - o.captureTime));
    this.dropped = o.stats.dropped;
    this.pump();
  }

  /** Sends one frame if the server has room for it; called on a timer and whenever an answer arrives. */
  private pump(): void {
    const now = performance.now();
    const limit = this.conn.welcome?.limits.maxFramesInFlight ?? 1;
    if (this.busy || !this.timer || !this.conn.ready || !this.camera.ready()) return;
    if (now - this.lastSendAt < this.minIntervalMs || this.conn.bufferedAmount > this.maxBufferedBytes) return;
    if (!this.inFlight.canSend(limit, now)) return;
    // Don't resend a camera frame already sent, unless frame callbacks seem stalled (e.g. throttled) for 0.5 s.
    const frame = this.camera.frameCount();
    if (frame !== null && frame === this.lastFrame && now - this.lastSendAt < 500) return;
    this.busy = true;
    this.lastSendAt = now;
    this.lastFrame = frame;
    const captureTime = Date.now();
    this.camera
      .grab()
      .then((jpeg) => {
        if (!jpeg || !this.conn.ready) return;
        const seq = ++this.seq;
        if (this.conn.sendBinary(encodeFrame({ seq, captureTime }, jpeg))) {
          this.inFlight.add(seq, performance.now());
          this.sent++;
        }
      })
      .catch((err: unknown) => console.warn('frame capture failed', err))
      .finally(() => (this.busy = false));
  }
}
