// The clock a camera's tracker runs on. A client's captureTime is the best measure of the time between two frames when
// it is a real capture clock, and the worst when it is not: jittered, frozen, reset, or running faster than time. The
// server's own receive clock is always real but carries the network's and the queue's jitter. Each step therefore uses
// the capture clock only while it runs forward and no faster than the receive clock (give or take the tolerance), and
// the receive clock otherwise. A capture clock slower than the receive clock is believed: a client that waits for each
// answer before sending its next frame (a clip replayed, a slow server) really shows the scene 1/15 s apart. Pure.

/** A capture step may exceed the receive step by this much (ms) plus RECEIVE_SLACK of it and still be trusted. */
export const CLOCK_TOLERANCE_MS = 100;
/** ...plus this fraction of the receive step: a client whose frames queue a little still counts as a capture clock. */
const RECEIVE_SLACK = 0.25;
/**
 * Receive-clock steps shorter than this are taken as this long (one frame of a 60 fps camera). Frames that arrive
 * together were queued on the way, not captured together: a client that stamps frames when it sends them drains its
 * queue in bursts, and a step of 1 ms gave the motion model velocities tens of times too high, so two faces that were
 * crossing were paired crosswise (bench/naming.ts, send clock, loaded server).
 */
const MIN_STEP_MS = 1000 / 60;
/**
 * No camera captures two frames less than this apart (200 fps): a shorter capture step is a clock in other units (seconds
 * from Python's time.time(), a frame counter), and believing it would make the tracker's time crawl.
 */
export const MIN_CAPTURE_STEP_MS = 5;

export interface ClockReading {
  /** The tracker's time for this frame (ms, starts at 0): never goes backwards. */
  now: number;
  /** This step came from the client's capture clock (false: the server's receive clock). */
  capture: boolean;
}

export class FrameClock {
  private last: { capture: number; received: number } | null = null;
  private time = 0;
  /** Steps taken from each clock so far (for /health and tests). */
  readonly steps = { capture: 0, receive: 0 };

  /**
   * Advances to a frame captured at `captureTime` (client clock, ms) and received at `receivedAt` (server monotonic
   * clock, ms). The first frame is time 0.
   */
  tick(captureTime: number, receivedAt: number): ClockReading {
    const prev = this.last;
    this.last = { capture: captureTime, received: receivedAt };
    if (!prev) return { now: this.time, capture: Number.isFinite(captureTime) };
    const received = Math.max(MIN_STEP_MS, receivedAt - prev.received);
    const captured = captureTime - prev.capture;
    const agrees = Number.isFinite(captured) && captured >= MIN_CAPTURE_STEP_MS && captured - received <= CLOCK_TOLERANCE_MS + RECEIVE_SLACK * received;
    this.time += agrees ? captured : received;
    this.steps[agrees ? 'capture' : 'receive'] += 1;
    return { now: this.time, capture: agrees };
  }
}
