// Events per second over a sliding window of whole seconds: fps in and fps processed of a camera.

/** Seconds a rate is averaged over. */
export const RATE_WINDOW_S = 5;

export class RateMeter {
  private readonly buckets = new Array<number>(RATE_WINDOW_S + 1).fill(0);
  private second = 0;

  constructor(private readonly now: () => number = Date.now) {
    this.second = Math.floor(this.now() / 1000);
  }

  tick(): void {
    this.advance();
    this.buckets[this.second % this.buckets.length]! += 1;
  }

  /** Events a second over the last RATE_WINDOW_S whole seconds (the current, partial second left out). */
  perSecond(): number {
    this.advance();
    let n = 0;
    for (let s = this.second - RATE_WINDOW_S; s < this.second; s++) n += this.buckets[((s % this.buckets.length) + this.buckets.length) % this.buckets.length]!;
    return Math.round((n / RATE_WINDOW_S) * 10) / 10;
  }

  private advance(): void {
    const now = Math.floor(this.now() / 1000);
    for (let s = Math.max(this.second + 1, now - this.buckets.length + 1); s <= now; s++) this.buckets[s % this.buckets.length] = 0;
    this.second = Math.max(this.second, now);
  }
}
