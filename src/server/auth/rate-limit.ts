// Token buckets per caller: RATE_LIMIT_PER_MINUTE requests per API key, AUTH_FAILURES_PER_MINUTE wrong keys per
// address. Each bucket holds a minute's budget and refills evenly over the minute.

export interface RateLimiter {
  /** Takes one token for `who`; when none is left, says how many seconds until one is. */
  take(who: string, now?: number): { ok: true } | { ok: false; retryAfterSeconds: number };
  /** Gives back a token taken for `who` that turned out not to count (a key that was right after all). */
  giveBack(who: string): void;
}

interface Bucket {
  tokens: number;
  at: number;
}

export function createRateLimiter(perMinute: number, maxCallers = 10_000): RateLimiter {
  const buckets = new Map<string, Bucket>();
  const perMs = perMinute / 60_000;
  return {
    take(who, now = Date.now()) {
      if (perMinute <= 0) return { ok: true };
      let b = buckets.get(who);
      if (!b) {
        // Forget the oldest caller rather than grow without bound (keys are few; anonymous callers may not be).
        if (buckets.size >= maxCallers) buckets.delete(buckets.keys().next().value!);
        b = { tokens: perMinute, at: now };
        buckets.set(who, b);
      }
      b.tokens = Math.min(perMinute, b.tokens + (now - b.at) * perMs);
      b.at = now;
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return { ok: true };
      }
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000)) };
    },
    giveBack(who) {
      const b = buckets.get(who);
      if (b) b.tokens = Math.min(perMinute, b.tokens + 1);
    },
  };
}
