// The clock a camera's tracker runs on. A client's captureTime is the best measure of the time between two frames when
// it is a real capture clock, and the worst when it is not: stamped at send time, jittered, frozen or reset. The server's
// own receive clock is always real but carries the network's and the queue's jitter. Each step therefore uses the
// capture clock only while it runs forward and agrees with the receive clock, and the receive clock otherwise. Pure.

/** A capture step may differ from the receive step by this much (ms) plus RECEIVE_SLACK of it and still be trusted. */
export const CLOCK_TOLERANCE_MS = 100;
/** ...plus this fraction of the receive step: a client whose frames queue a little still counts as a capture clock. */
const RECEIVE_SLACK = 0.25;
/** Receive-clock steps shorter than this are taken as this long: two frames never arrive at one instant in camera time. */
const MIN_STEP_MS = 1;

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
    const agrees = Number.isFinite(captured) && captured > 0 && Math.abs(captured - received) <= CLOCK_TOLERANCE_MS + RECEIVE_SLACK * received;
    this.time += agrees ? captured : received;
    this.steps[agrees ? 'capture' : 'receive'] += 1;
    return { now: this.time, capture: agrees };
  }
}
