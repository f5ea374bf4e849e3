// How long a camera's frame waits for its embedding before it is answered without it (issue 20). Pure, so the naming
// simulation (bench/naming-eval.ts) runs the same rule as the pipeline.

/** One frame of a 15 fps camera (ms): the pace the detection interval's frame cap and the budget's floor assume. */
export const FRAME_MS_AT_15_FPS = 1000 / 15;
/** Weight of the newest gap in the client's average frame gap. */
const GAP_SMOOTHING = 0.2;
/** Share of the client's frame gap a frame waits for its embedding (measured in BENCHMARKS.md, cameras). */
export const ANSWER_BUDGET_OF_GAP = 0.75;
/**
 * The least a frame waits for its embedding: what a 15 fps camera's frame waits. A client that sends each frame once
 * the last is answered has a frame gap that measures the server's answers, not a camera: predicted answers take a few
 * ms, and a budget that small left a track continued in doubt (two faces side by side) withheld on every detected frame.
 */
export const MIN_ANSWER_BUDGET_MS = ANSWER_BUDGET_OF_GAP * FRAME_MS_AT_15_FPS;

/**
 * The client's frame gap on the server's receive clock (a moving average, so one late frame does not move it much, and a
 * client's captureTime plays no part), and the answer budget it allows.
 */
export class AnswerBudget {
  private gapMs: number | null = null;
  private lastReceivedAt: number | null = null;

  /** Each frame as it arrives (server monotonic clock, ms). */
  noteArrival(receivedAt: number): void {
    const last = this.lastReceivedAt;
    this.lastReceivedAt = receivedAt;
    if (last === null || receivedAt < last) return;
    const gap = receivedAt - last;
    this.gapMs = this.gapMs === null ? gap : this.gapMs + GAP_SMOOTHING * (gap - this.gapMs);
  }

  /**
   * Milliseconds a frame waits for its embedding, or null to wait as long as it takes: when `alwaysWait` (an enrolment
   * view, a camera that requires liveness) or before the client's gap is known (the socket's first frame).
   */
  budgetMs(alwaysWait: boolean): number | null {
    if (alwaysWait || this.gapMs === null) return null;
    return Math.max(MIN_ANSWER_BUDGET_MS, ANSWER_BUDGET_OF_GAP * this.gapMs);
  }
}
