// One enabled camera: runs ffmpeg on its URL, splits the MJPEG it writes into frames and hands them to the camera's
// session, and keeps its status. A stream that ends, fails or stalls is retried with exponential backoff (reset once
// frames flow again); a camera that cannot work (bad URL, no ffmpeg) says why in its status, it never throws.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../log.js';
import type { CameraSession } from './camera-session.js';
import { parseCameraUrl, redactText, type CameraKind } from '../../shared/camera-url.js';
import { ffmpegArgs, StderrSummary } from './ffmpeg.js';
import { JpegSplitter } from './jpeg-stream.js';
import { RateMeter } from './rate.js';
import type { SourceState, SourceStatus } from './source-status.js';

export type { SourceState, SourceStatus } from './source-status.js';

export interface SourceSettings {
  ffmpeg: string;
  maxFrameBytes: number;
  maxWidth: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /** No frame for this long (connecting or connected): ffmpeg is killed and the camera reconnects. */
  stallMs: number;
}

export interface SourceCamera {
  id: string;
  name: string;
  url: string;
  maxFps: number;
}

/** ffmpeg reads up to 5 s of a stream (its default analyzeduration) before it writes the first frame. */
export const PROBE_ALLOWANCE_MS = 5000;

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

export class CameraSource {
  private child: ChildProcess | null = null;
  private stderr: StderrSummary;
  private state: SourceState = 'connecting';
  private failures = 0;
  private reconnects = 0;
  private framesIn = 0;
  private framesProcessed = 0;
  private oversized = 0;
  private lastFrameAt: number | null = null;
  private connectedSince: number | null = null;
  private lastError: { message: string; at: number } | null = null;
  private nextRetryAt: number | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private stallTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private kind: CameraKind = 'http';
  private readonly fpsIn = new RateMeter();
  private readonly fpsProcessed = new RateMeter();

  constructor(
    readonly camera: SourceCamera,
    readonly session: CameraSession,
    private readonly settings: SourceSettings,
    private readonly log: Logger,
  ) {
    this.stderr = new StderrSummary(camera.url);
  }

  start(): void {
    const parsed = parseCameraUrl(this.camera.url);
    if (!parsed.ok) return this.fail(`bad camera URL: ${parsed.message}`);
    this.kind = parsed.kind;
    this.run();
  }

  /** Called by the session for each processed frame. */
  processed(): void {
    this.framesProcessed += 1;
    this.fpsProcessed.tick();
  }

  /** A frame the session refused or failed on: shown as the camera's last error, the stream goes on. */
  frameError(code: string, message: string): void {
    this.setError(`frame refused (${code}): ${message}`);
  }

  status(): SourceStatus {
    const s = this.session.stats;
    return {
      state: this.state,
      connected: this.state === 'connected',
      fpsIn: this.fpsIn.perSecond(),
      fpsProcessed: this.fpsProcessed.perSecond(),
      framesIn: this.framesIn,
      framesProcessed: this.framesProcessed,
      framesDropped: s.dropped,
      framesOversized: this.oversized,
      lastFrameAt: iso(this.lastFrameAt),
      connectedSince: iso(this.connectedSince),
      lastError: this.lastError?.message ?? null,
      lastErrorAt: iso(this.lastError?.at ?? null),
      reconnects: this.reconnects,
      nextRetryAt: iso(this.nextRetryAt),
      ffmpegLog: this.stderr.summary(),
    };
  }

  /** Stops ffmpeg and any retry, then waits for the frame in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.state = 'stopped';
    this.clearTimers();
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(kill);
    }
    await this.session.close();
  }

  private run(): void {
    if (this.stopped) return;
    this.state = 'connecting';
    this.nextRetryAt = null;
    this.stderr = new StderrSummary(this.camera.url);
    const { settings } = this;
    const args = ffmpegArgs({ ...this.camera, kind: this.kind, maxWidth: settings.maxWidth, ioTimeoutMs: settings.stallMs });
    const child = spawn(settings.ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let framesThisRun = 0;
    const splitter = new JpegSplitter(settings.maxFrameBytes, (jpeg) => {
      framesThisRun += 1;
      this.frame(jpeg);
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      const before = splitter.stats.oversized;
      splitter.push(chunk);
      if (splitter.stats.oversized > before) {
        this.oversized += splitter.stats.oversized - before;
        this.setError(`a frame was over ${settings.maxFrameBytes} bytes (CAMERA_MAX_FRAME_BYTES) and was dropped`);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => this.stderr.push(chunk));
    this.armStall();
    let ended = false;
    const end = (reason: string) => {
      if (ended) return;
      ended = true;
      if (this.child === child) this.child = null;
      if (this.stopped) return;
      this.connectedSince = null;
      this.setError(reason);
      // A dead camera retried every 30 s for days would fill the log: a failure in a row after the first is debug.
      const level = framesThisRun > 0 || this.failures === 0 ? 'warn' : 'debug';
      this.log[level]('camera stream ended', {
        camera: this.camera.name,
        id: this.camera.id,
        frames: framesThisRun,
        failuresInARow: this.failures + 1,
        reason,
      });
      this.retry();
    };
    child.on('error', (err: NodeJS.ErrnoException) => {
      end(
        err.code === 'ENOENT'
          ? `ffmpeg not found (CAMERA_FFMPEG=${settings.ffmpeg}): install the Debian package ffmpeg`
          : `ffmpeg could not start: ${redactText(err.message, this.camera.url)}`,
      );
    });
    child.on('exit', (code, signal) => {
      const said = this.stderr.last();
      const how = signal ? `ffmpeg was stopped (${signal})` : code === 0 ? 'the stream ended' : `ffmpeg exited with code ${code}`;
      end(this.stallReason ?? (said ? `${how}: ${said}` : how));
      this.stallReason = null;
    });
  }

  private stallReason: string | null = null;

  private frame(jpeg: Buffer): void {
    if (this.stopped) return; // ffmpeg's last bytes after stop()
    const now = Date.now();
    if (this.state !== 'connected') {
      this.state = 'connected';
      this.connectedSince = now;
      this.failures = 0;
      this.log.info('camera connected', { camera: this.camera.name, id: this.camera.id });
    }
    this.framesIn += 1;
    this.fpsIn.tick();
    this.lastFrameAt = now;
    this.armStall();
    this.session.push(jpeg, now);
  }

  /**
   * Restarts the stall watchdog: a silent ffmpeg (a camera that stopped sending but kept the socket) is killed. The
   * first frame of a connection also waits for ffmpeg's probing of the stream (PROBE_ALLOWANCE_MS).
   */
  private armStall(): void {
    if (this.stallTimer) clearTimeout(this.stallTimer);
    const wait = this.settings.stallMs + (this.state === 'connected' ? 0 : PROBE_ALLOWANCE_MS);
    this.stallTimer = setTimeout(() => {
      this.stallReason = `no frame for ${wait} ms (CAMERA_STALL_MS${this.state === 'connected' ? '' : ', plus 5 s to probe the stream'})`;
      this.child?.kill('SIGKILL');
    }, wait);
    this.stallTimer.unref();
  }

  private retry(): void {
    this.clearTimers();
    this.failures += 1;
    const { reconnectMinMs, reconnectMaxMs } = this.settings;
    const delay = Math.min(reconnectMaxMs, reconnectMinMs * 2 ** Math.min(20, this.failures - 1));
    this.state = 'retrying';
    this.nextRetryAt = Date.now() + delay;
    this.retryTimer = setTimeout(() => {
      this.reconnects += 1;
      this.run();
    }, delay);
    this.retryTimer.unref();
  }

  /** A camera that cannot work as configured: it stays failed until it is changed. */
  private fail(message: string): void {
    this.state = 'failed';
    this.setError(message);
    this.log.warn('camera not started', { camera: this.camera.name, id: this.camera.id, reason: message });
  }

  private setError(message: string): void {
    this.lastError = { message: redactText(message, this.camera.url), at: Date.now() };
  }

  private clearTimers(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.retryTimer = null;
    this.stallTimer = null;
    this.nextRetryAt = null;
  }
}
