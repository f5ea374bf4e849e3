// A camera client as docs/protocol.md describes it: one WebSocket, hello, then frames on a fixed clock (15 fps), at
// most `welcome.limits.maxFramesInFlight` unanswered like the browser client; a tick with no free slot is a dropped frame.
import WebSocket from 'ws';
import { PROTOCOL_VERSION, ServerMessage, encodeFrame, type Overlay } from '../../src/shared/protocol.js';
import { spread } from './stats.js';

export interface Answer {
  seq: number;
  /** Index into the frames streamed (looped). */
  frame: number;
  /** The camera tick that produced the frame (the frame's index in the clip for `flood`). */
  tick: number;
  rttMs: number;
  overlay: Overlay;
  at: number;
}

export interface CameraRun {
  /** Camera clock ticks (frames the camera produced). */
  ticks: number;
  /** When each tick happened, ms after the run's start (the same clock as `Answer.at`): a frame's capture time. */
  tickAt: number[];
  sent: number;
  answers: Answer[];
  /** Frames the server answered only through a later frame's overlay (it skipped them for a newer one). */
  serverDropped: number;
  /** Frames answered with an `error` (by code) instead of an overlay. */
  errors: Record<string, number>;
  /** From the first tick to the last (the drain after it is not counted). */
  durationMs: number;
}

export interface Camera {
  maxInFlight: number;
  /** Streams `frames` (looped) at `fps` for `durationMs`, then waits for the frames still in flight. */
  stream(opts: { frames: Uint8Array[]; fps: number; durationMs: number; until?: (a: Answer) => boolean }): Promise<CameraRun>;
  /**
   * Sends every frame once, in order, as fast as the server answers with `maxInFlight` unanswered: throughput. With
   * `videoFps`, capture times follow that clock (a recorded clip played fast), so the tracker's time-based rules see the clip's time.
   */
  flood(frames: Uint8Array[], videoFps?: number): Promise<CameraRun>;
  close(): void;
}

export async function connectCamera(baseUrl: string, camera: string): Promise<Camera> {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws`);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let onOverlay: (o: Overlay) => void = () => {};
  let onWelcome: (limit: number) => void = () => {};
  let onFrameError: (seq: number, code: string) => void = () => {};
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    const m = ServerMessage.safeParse(JSON.parse(String(data)));
    if (!m.success) return;
    if (m.data.type === 'welcome') onWelcome(m.data.limits.maxFramesInFlight);
    if (m.data.type === 'overlay') onOverlay(m.data);
    // An error naming a frame is that frame's answer (docs/protocol.md §3): the slot is free, the frame gets no overlay.
    if (m.data.type === 'error' && m.data.seq !== undefined) onFrameError(m.data.seq, m.data.code);
  });
  const welcome = new Promise<number>((resolve) => (onWelcome = resolve));
  ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, camera, client: 'facestream-bench' }));
  const maxInFlight = await welcome;
  let seq = 0;

  return {
    maxInFlight,
    close: () => ws.close(),
    flood(frames, videoFps) {
      const clipStart = Date.now();
      const run: CameraRun = { ticks: frames.length, tickAt: [], sent: 0, answers: [], serverDropped: 0, errors: {}, durationMs: 0 };
      const inFlight = new Map<number, { sentAt: number; frame: number }>();
      const t0 = performance.now();
      return new Promise<CameraRun>((resolve) => {
        const pump = () => {
          while (inFlight.size < maxInFlight && run.sent < frames.length) {
            const s = ++seq;
            run.tickAt.push(performance.now() - t0);
            inFlight.set(s, { sentAt: performance.now(), frame: run.sent });
            ws.send(encodeFrame({ seq: s, captureTime: videoFps ? clipStart + (run.sent * 1000) / videoFps : Date.now() }, frames[run.sent]!));
            run.sent++;
          }
          if (inFlight.size === 0) {
            run.durationMs = performance.now() - t0;
            onOverlay = () => {};
            resolve(run);
          }
        };
        onOverlay = (o) => {
          const sent = inFlight.get(o.seq);
          if (!sent) return;
          for (const s of inFlight.keys()) if (s < o.seq) (inFlight.delete(s), run.serverDropped++);
          inFlight.delete(o.seq);
          const now = performance.now();
          run.answers.push({ seq: o.seq, frame: sent.frame, tick: sent.frame, rttMs: now - sent.sentAt, overlay: o, at: now - t0 });
          pump();
        };
        onFrameError = (seq, code) => {
          if (!inFlight.delete(seq)) return;
          run.errors[code] = (run.errors[code] ?? 0) + 1;
          pump();
        };
        pump();
      });
    },
    stream({ frames, fps, durationMs, until }) {
      const period = 1000 / fps;
      const inFlight = new Map<number, { sentAt: number; frame: number; tick: number }>();
      const run: CameraRun = { ticks: 0, tickAt: [], sent: 0, answers: [], serverDropped: 0, errors: {}, durationMs: 0 };
      const t0 = performance.now();
      let stopped = false;
      let timer: NodeJS.Timeout | undefined;
      return new Promise<CameraRun>((resolve) => {
        let done = false;
        let fallback: NodeJS.Timeout | undefined;
        // Idempotent, and only ever unhooks its own handler: a later stream on this socket keeps receiving.
        const finish = () => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          clearTimeout(fallback);
          if (run.durationMs === 0) run.durationMs = performance.now() - t0;
          if (onOverlay === handler) onOverlay = () => {};
          resolve(run);
        };
        const drainOrFinish = () => {
          if (stopped && inFlight.size === 0) finish();
        };
        const handler = (o: Overlay) => {
          const sent = inFlight.get(o.seq);
          if (!sent) return;
          const now = performance.now();
          for (const s of inFlight.keys()) if (s < o.seq) (inFlight.delete(s), run.serverDropped++);
          inFlight.delete(o.seq);
          const a: Answer = { seq: o.seq, frame: sent.frame, tick: sent.tick, rttMs: now - sent.sentAt, overlay: o, at: now - t0 };
          run.answers.push(a);
          if (!stopped && until?.(a)) ((stopped = true), (run.durationMs = performance.now() - t0));
          drainOrFinish();
        };
        onOverlay = handler;
        onFrameError = (seq, code) => {
          if (!inFlight.delete(seq)) return;
          run.errors[code] = (run.errors[code] ?? 0) + 1;
          drainOrFinish();
        };
        // Ticks on an absolute schedule so a late timer does not slow the camera down.
        const tick = () => {
          if (stopped) return drainOrFinish();
          const i = run.ticks++;
          run.tickAt.push(performance.now() - t0);
          if (inFlight.size < maxInFlight) {
            const s = ++seq;
            inFlight.set(s, { sentAt: performance.now(), frame: i % frames.length, tick: i });
            ws.send(encodeFrame({ seq: s, captureTime: Date.now() }, frames[i % frames.length]!));
            run.sent++;
          }
          if (performance.now() - t0 >= durationMs) {
            stopped = true;
            run.durationMs = performance.now() - t0;
            // Frames still unanswered after 5 s are not coming.
            fallback = setTimeout(() => (inFlight.clear(), drainOrFinish()), 5000);
            return drainOrFinish();
          }
          timer = setTimeout(tick, Math.max(0, t0 + run.ticks * period - performance.now()));
        };
        tick();
      });
    },
  };
}

/** Frames per second answered, round trips, and the share of camera frames that never got their own overlay. */
export function summariseRun(run: CameraRun) {
  const seconds = run.durationMs / 1000;
  return {
    fps: +(run.answers.length / seconds).toFixed(2),
    ticks: run.ticks,
    sent: run.sent,
    answered: run.answers.length,
    droppedShare: run.ticks === 0 ? 0 : +((run.ticks - run.answers.length) / run.ticks).toFixed(4),
    droppedAtCamera: run.ticks - run.sent,
    droppedByServer: run.serverDropped,
    frameErrors: run.errors,
  };
}

/**
 * How long a bulk-work bench streams its camera before the work, and again after it, for the idle round trip its p95
 * is compared with: 30 s each (~450 frames). One 15 s window before the work gave idle p95s of 17.8-42 ms on the same
 * machine (a neighbour's load, the bench's own 1.2 GB file still being written back), which moved the ratio by 2x.
 */
export const IDLE_WINDOW_MS = 30_000;

/**
 * A stretch's frames and round trip, plus the longest time the camera went without any answer: a stall the p95 of a
 * long stretch can hide.
 */
export function cameraFigures(run: CameraRun) {
  const at = run.answers.map((a) => a.at).sort((a, b) => a - b);
  let longestGapMs = 0;
  for (let i = 1; i < at.length; i++) longestGapMs = Math.max(longestGapMs, at[i]! - at[i - 1]!);
  return { ...summariseRun(run), roundTripMs: spread(run.answers.map((a) => a.rttMs)), longestGapMs: Math.round(longestGapMs) };
}
