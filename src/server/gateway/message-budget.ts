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

/** Addresses remembered at most by `Cooldowns`; past it the oldest is forgotten. */
export const MAX_COOLDOWNS = 10_000;

/**
 * Addresses whose socket was closed for flooding, refused new sockets (HTTP 429) for `ms` (WS_FLOOD_COOLDOWN_MS): a
 * client closed with 4006 that connects again at once would otherwise get a fresh budget, and its first frame's
 * inference, on every connection.
 */
export class Cooldowns {
  private readonly until = new Map<string, number>();

  constructor(
    private readonly ms: number,
    private readonly max = MAX_COOLDOWNS,
    private readonly now: () => number = () => Date.now(),
  ) {}

  add(address: string): void {
    if (this.ms <= 0) return;
    this.until.delete(address);
    if (this.until.size >= this.max) this.until.delete(this.until.keys().next().value!);
    this.until.set(address, this.now() + this.ms);
  }

  /** Milliseconds `address` must still wait; 0 when it may connect. */
  left(address: string): number {
    const until = this.until.get(address);
    if (until === undefined) return 0;
    const left = until - this.now();
    if (left > 0) return left;
    this.until.delete(address);
    return 0;
  }
}
