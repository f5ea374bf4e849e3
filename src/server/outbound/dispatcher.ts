// Delivers the outbox: claims due deliveries, sends each target's in event order (targets side by side), and on a
// failure rests that target with exponential backoff and leaves its other deliveries for then, so a receiver that is
// down costs one probe per backoff step, not one request per waiting event.
import type { Logger } from '../log.js';
import type { ClaimedDelivery, OutboxRepo } from '../store/outbox-repo.js';
import type { SendResult } from './webhook-sender.js';

export interface DispatchLimits {
  /** Deliveries claimed per pass. */
  batch: number;
  /** Longest a single send may take, ms (a claim's lease is sized from it). */
  sendTimeoutMs: number;
  /** First retry delay; doubled per failure in a row of the same target, up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** A delivery is given up after this many attempts... */
  maxAttempts: number;
  /** ...or once it is this old. */
  maxAgeMs: number;
  /** How often the outbox is looked at when nothing woke the dispatcher. */
  pollMs: number;
}

export interface Sender {
  send(d: ClaimedDelivery): Promise<SendResult>;
}

type Key = string;
const keyOf = (d: Pick<ClaimedDelivery, 'target' | 'webhookId'>): Key => (d.target === 'mqtt' ? 'mqtt' : `webhook:${d.webhookId}`);

/** The delay before the next try after `failures` failures in a row. */
export function backoffMs(failures: number, base: number, max: number): number {
  return Math.min(max, base * 2 ** Math.max(0, Math.min(failures - 1, 30)));
}

export class Dispatcher {
  private readonly resting = new Map<Key, { failures: number; until: number }>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private passFailedLogged = -Infinity;
  /** Pending deliveries as of the last pass (metrics, status). */
  pending = 0;

  constructor(
    private readonly deps: {
      outbox: Pick<OutboxRepo, 'claim' | 'delivered' | 'failed' | 'release' | 'pendingCount'>;
      senders: { webhook: Sender; mqtt: Sender };
      limits: DispatchLimits;
      clock: () => number;
      log: Logger;
      onResult?: (target: 'webhook' | 'mqtt', result: 'delivered' | 'retry' | 'failed') => void;
    },
  ) {}

  /** A claim is held this long: every send of a batch could take the whole timeout, one after another. */
  get leaseMs(): number {
    return this.deps.limits.batch * this.deps.limits.sendTimeoutMs + 10_000;
  }

  start(): void {
    this.stopped = false;
    this.wake();
  }

  /** Something was queued, or a target came back: look now rather than at the next poll. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.running = this.pass()
      .catch((err) => {
        // The database is away: said once a minute, not on every poll.
        const now = this.deps.clock();
        if (now - this.passFailedLogged < 60_000) return;
        this.passFailedLogged = now;
        this.deps.log.warn('outbox: a delivery pass failed; trying again', { error: String(err) });
      })
      .finally(() => {
        this.running = null;
        if (this.stopped) return;
        const next = this.again ? 0 : this.deps.limits.pollMs;
        this.again = false;
        this.timer = setTimeout(() => this.wake(), next);
        this.timer.unref();
      });
  }

  /** A target is reachable again (the broker reconnected): its resting ends now. */
  recovered(target: 'mqtt' | { webhookId: string }): void {
    this.resting.delete(target === 'mqtt' ? 'mqtt' : `webhook:${target.webhookId}`);
    this.wake();
  }

  private async pass(): Promise<void> {
    const { outbox, limits, clock } = this.deps;
    const now = clock();
    for (const [k, r] of this.resting) if (r.until <= now && r.failures === 0) this.resting.delete(k);
    const restingNow = [...this.resting].filter(([, r]) => r.until > now).map(([k]) => k);
    const skip = {
      webhookIds: restingNow.filter((k) => k.startsWith('webhook:')).map((k) => k.slice('webhook:'.length)),
      mqtt: restingNow.includes('mqtt'),
    };
    const claimed = await outbox.claim({ now: new Date(now), limit: limits.batch, leaseMs: this.leaseMs, skip });
    const byTarget = new Map<Key, ClaimedDelivery[]>();
    for (const d of claimed) byTarget.set(keyOf(d), [...(byTarget.get(keyOf(d)) ?? []), d]);
    await Promise.all([...byTarget].map(([k, ds]) => this.deliverInOrder(k, ds)));
    this.pending = await outbox.pendingCount();
    if (claimed.length === limits.batch) this.again = true;
  }

  private async deliverInOrder(key: Key, ds: ClaimedDelivery[]): Promise<void> {
    const { outbox, senders, limits, clock, log, onResult } = this.deps;
    for (let i = 0; i < ds.length; i++) {
      const d = ds[i]!;
      const res = await senders[d.target].send(d).catch((err): SendResult => ({ ok: false, status: null, error: String(err), permanent: false }));
      const now = clock();
      if (res.ok) {
        await outbox.delivered(d.id, new Date(now), res.status);
        this.resting.delete(key);
        onResult?.(d.target, 'delivered');
        continue;
      }
      const tooOld = now - d.eventAt.getTime() >= limits.maxAgeMs;
      if (res.permanent || d.attempts >= limits.maxAttempts || tooOld) {
        const why = res.permanent ? res.error : `${res.error} (given up after ${d.attempts} attempts${tooOld ? ', past OUTBOX_MAX_AGE_MS' : ''})`;
        await outbox.failed(d.id, why, res.status, null);
        log.warn('outbox: delivery given up', { target: key, event: d.eventId, type: d.type, attempts: d.attempts, error: why });
        onResult?.(d.target, 'failed');
        if (res.permanent) continue; // the receiver answered: it is up, the next event may be fine
      } else {
        onResult?.(d.target, 'retry');
      }
      // The target is failing: it rests, and what else was claimed for it waits with it (not counted as attempts).
      const failures = (this.resting.get(key)?.failures ?? 0) + 1;
      const until = now + backoffMs(failures, limits.retryBaseMs, limits.retryMaxMs);
      this.resting.set(key, { failures, until });
      if (failures === 1 || failures % 10 === 0)
        log.warn('outbox: target failing; resting it', { target: key, error: res.error, failures, retryInMs: until - now });
      if (!(res.permanent || d.attempts >= limits.maxAttempts || tooOld)) await outbox.failed(d.id, res.error, res.status, new Date(until));
      await outbox.release(
        ds.slice(i + 1).map((x) => x.id),
        new Date(until),
      );
      return;
    }
  }

  /** Targets resting after failures, with when they are tried next. */
  restingTargets(): { target: string; failures: number; until: number }[] {
    return [...this.resting].map(([target, r]) => ({ target, ...r }));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }
}
