// Which cameras are sending frames: a camera that sent none for `downAfterMs` is down (its socket closed, its tab
// slept or its stream stalled), and up again with its next frame. Fed by every processed attendance frame, so socket
// cameras and server-side camera sources are watched alike.
import type { Clock } from './checkins.js';

export interface CameraWatchOptions {
  downAfterMs: number;
  clock: Clock;
  /** How often the watch looks for silent cameras, ms. */
  everyMs?: number;
  onDown: (camera: string, lastFrameAt: number) => void;
  onUp?: (camera: string) => void;
}

/** Cameras remembered at most; past it the longest-silent down camera is forgotten. */
export const MAX_CAMERAS = 10_000;

export class CameraWatch {
  private readonly cameras = new Map<string, { lastFrameAt: number; down: boolean }>();
  private readonly timer: ReturnType<typeof setInterval> | null;

  constructor(private readonly opts: CameraWatchOptions) {
    this.timer = opts.downAfterMs > 0 ? setInterval(() => this.check(), opts.everyMs ?? Math.min(1000, opts.downAfterMs)) : null;
    this.timer?.unref();
  }

  /** A frame of `camera` was processed now. A Map write: cheap enough for every frame. */
  frame(camera: string): void {
    const now = this.opts.clock();
    const c = this.cameras.get(camera);
    if (c) {
      c.lastFrameAt = now;
      if (c.down) {
        c.down = false;
        this.opts.onUp?.(camera);
      }
      return;
    }
    if (this.cameras.size >= MAX_CAMERAS) this.forgetOne();
    this.cameras.set(camera, { lastFrameAt: now, down: false });
    this.opts.onUp?.(camera);
  }

  /** Cameras seen since the start, with whether each is down now. */
  list(): { camera: string; lastFrameAt: number; down: boolean }[] {
    return [...this.cameras].map(([camera, c]) => ({ camera, ...c }));
  }

  check(): void {
    const now = this.opts.clock();
    for (const [camera, c] of this.cameras) {
      if (c.down || now - c.lastFrameAt < this.opts.downAfterMs) continue;
      c.down = true;
      this.opts.onDown(camera, c.lastFrameAt);
    }
  }

  private forgetOne(): void {
    let oldest: string | null = null;
    for (const [camera, c] of this.cameras) if (c.down && (oldest === null || c.lastFrameAt < this.cameras.get(oldest)!.lastFrameAt)) oldest = camera;
    this.cameras.delete(oldest ?? this.cameras.keys().next().value!);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
