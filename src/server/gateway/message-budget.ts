// How many messages a camera socket may send that are not answered frames: text messages (hello, pings, enrolment
// commands) and frames sent past the in-flight limit (the server drops them for a newer one). A token bucket: `burst`
// at once, refilled at `perSecond`. A browser camera sends a handful a minute; a client that floods pings or frames
// would otherwise spend the event loop every camera shares (5 such clients once took a camera from 26 ms to 2.1 s).

export class MessageBudget {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Spends one message; false when the budget is spent (the socket is then closed, 4006). */
  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) * this.perSecond) / 1000);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
