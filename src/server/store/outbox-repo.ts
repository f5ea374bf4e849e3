// The outbox (tables outbox_events and outbox_deliveries): events written in the transaction of what they report (or
// right after), one delivery row per target, claimed by a dispatcher with a lease so a killed server's claims are tried
// again, and never claimed twice at once (FOR UPDATE SKIP LOCKED, so several servers on one PostgreSQL share the work).
import { randomUUID } from 'node:crypto';
import { and, asc, count, desc, eq, gt, inArray, isNull, lt, lte, notExists, notInArray, or, sql } from 'drizzle-orm';
import type { StoreDb } from './drizzle-db.js';
import { mqttSettings, outboxDeliveries, outboxEvents, webhooks } from './schema.js';
import { isUuid } from './sql-guards.js';

export interface OutboxEvent {
  type: string;
  payload: Record<string, unknown>;
}

/** Who gets it: by default every enabled webhook subscribed to the type, and the broker when MQTT is enabled. */
export interface Targets {
  webhookIds?: string[];
  mqtt?: boolean;
}

export type EnqueueOutcome = { id: string; deliveries: number } | { id: null; deliveries: 0; refused?: 'full' };

export interface ClaimedDelivery {
  id: string;
  seq: number;
  eventId: string;
  type: string;
  payload: Record<string, unknown>;
  eventAt: Date;
  target: 'webhook' | 'mqtt';
  webhookId: string | null;
  /** Including this one. */
  attempts: number;
}

export interface DeliveryRow {
  id: string;
  eventId: string;
  type: string;
  target: 'webhook' | 'mqtt';
  webhookId: string | null;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  lastStatus: number | null;
  deliveredAt: Date | null;
  createdAt: Date;
}

const d = outboxDeliveries;

/** The enabled webhooks subscribed to the event's type and, where they name cameras, to its camera; and MQTT. */
async function targetsFor(db: StoreDb, ev: OutboxEvent, t: Targets | undefined) {
  if (t) return { webhookIds: t.webhookIds ?? [], mqtt: t.mqtt ?? false };
  const camera = typeof ev.payload.camera === 'string' ? ev.payload.camera : null;
  const hooks = await db
    .select({ id: webhooks.id })
    .from(webhooks)
    .where(
      and(
        eq(webhooks.enabled, true),
        sql`${webhooks.eventTypes} @> ${JSON.stringify([ev.type])}::jsonb`,
        camera === null ? isNull(webhooks.cameras) : or(isNull(webhooks.cameras), sql`${webhooks.cameras} @> ${JSON.stringify([camera])}::jsonb`),
      ),
    );
  const [m] = await db.select({ enabled: mqttSettings.enabled }).from(mqttSettings).where(eq(mqttSettings.id, 1));
  return { webhookIds: hooks.map((h) => h.id), mqtt: m?.enabled ?? false };
}

/**
 * Writes the event and its deliveries; nothing when no target wants it. Refused (and nothing written) when `maxPending`
 * deliveries are already waiting: the caller counts and logs it. Runs on a transaction handle too (check-ins).
 */
async function enqueue(db: StoreDb, ev: OutboxEvent, opts: { maxPending: number; now: Date; targets?: Targets }): Promise<EnqueueOutcome> {
  const { webhookIds, mqtt } = await targetsFor(db, ev, opts.targets);
  const n = webhookIds.length + (mqtt ? 1 : 0);
  if (n === 0) return { id: null, deliveries: 0 };
  const [pending] = await db.select({ n: count() }).from(d).where(eq(d.state, 'pending'));
  if ((pending?.n ?? 0) + n > opts.maxPending) return { id: null, deliveries: 0, refused: 'full' };
  const id = randomUUID();
  await db.insert(outboxEvents).values({ id, type: ev.type, payload: ev.payload, createdAt: opts.now });
  const rows = [
    ...webhookIds.map((w) => ({ eventId: id, webhookId: w, target: 'webhook' as const })),
    ...(mqtt ? [{ eventId: id, webhookId: null, target: 'mqtt' as const }] : []),
  ];
  await db.insert(d).values(rows.map((r) => ({ ...r, nextAttemptAt: opts.now, createdAt: opts.now })));
  return { id, deliveries: n };
}

export interface ClaimOptions {
  now: Date;
  limit: number;
  leaseMs: number;
  /** Targets resting after a failure: their deliveries are left for later. */
  skip?: { webhookIds: string[]; mqtt: boolean };
}

/** Takes up to `limit` due deliveries and pushes their next attempt `leaseMs` out (a killed claimer's rows come back). */
async function claim(db: StoreDb, opts: ClaimOptions): Promise<ClaimedDelivery[]> {
  const skip = opts.skip ?? { webhookIds: [], mqtt: false };
  return db.transaction(async (tx) => {
    const due = tx
      .select({ id: d.id })
      .from(d)
      .where(
        and(
          eq(d.state, 'pending'),
          lte(d.nextAttemptAt, opts.now),
          skip.webhookIds.length > 0 ? or(isNull(d.webhookId), notInArray(d.webhookId, skip.webhookIds)) : undefined,
          skip.mqtt ? eq(d.target, 'webhook') : undefined,
        ),
      )
      .orderBy(asc(d.seq))
      .limit(opts.limit)
      .for('update', { skipLocked: true });
    const claimed = await tx
      .update(d)
      .set({ attempts: sql`${d.attempts} + 1`, nextAttemptAt: new Date(opts.now.getTime() + opts.leaseMs) })
      .where(inArray(d.id, due))
      .returning({ id: d.id, seq: d.seq, eventId: d.eventId, target: d.target, webhookId: d.webhookId, attempts: d.attempts });
    if (claimed.length === 0) return [];
    const events = await tx
      .select()
      .from(outboxEvents)
      .where(inArray(outboxEvents.id, [...new Set(claimed.map((c) => c.eventId))]));
    const byId = new Map(events.map((e) => [e.id, e]));
    return claimed
      .map((c) => {
        const e = byId.get(c.eventId)!;
        return { ...c, type: e.type, payload: e.payload, eventAt: e.createdAt };
      })
      .sort((a, b) => a.seq - b.seq);
  });
}

export function outboxRepo(db: StoreDb) {
  return {
    enqueue: (ev: OutboxEvent, opts: { maxPending: number; now: Date; targets?: Targets }) => enqueue(db, ev, opts),
    claim: (opts: ClaimOptions) => claim(db, opts),

    /** Claimed but not tried (their target failed just before): due at `at`, and the claim does not count as an attempt. */
    async release(ids: string[], at: Date): Promise<void> {
      if (ids.length === 0) return;
      await db
        .update(d)
        .set({ attempts: sql`greatest(${d.attempts} - 1, 0)`, nextAttemptAt: at })
        .where(and(inArray(d.id, ids), eq(d.state, 'pending')));
    },

    /** Pending deliveries older than `before` are given up (OUTBOX_MAX_AGE_MS). Returns how many. */
    async expire(before: Date, why: string): Promise<number> {
      const r = await db
        .update(d)
        .set({ state: 'failed', lastError: why })
        .where(and(eq(d.state, 'pending'), lt(d.createdAt, before)))
        .returning({ id: d.id });
      return r.length;
    },

    /** Every claim made before a restart, due now: for PGlite, whose one process holds the data directory alone. */
    async releaseAll(now: Date): Promise<void> {
      await db
        .update(d)
        .set({ nextAttemptAt: now })
        .where(and(eq(d.state, 'pending'), gt(d.nextAttemptAt, now)));
    },

    /** Pending deliveries of a target that was disabled or deleted: given up with `why`. */
    async abandon(target: { webhookId: string } | { mqtt: true }, why: string): Promise<number> {
      const which = 'webhookId' in target ? eq(d.webhookId, target.webhookId) : eq(d.target, 'mqtt');
      const r = await db
        .update(d)
        .set({ state: 'failed', lastError: why })
        .where(and(eq(d.state, 'pending'), which))
        .returning({ id: d.id });
      return r.length;
    },

    async delivered(id: string, now: Date, status: number | null): Promise<void> {
      await db.update(d).set({ state: 'delivered', deliveredAt: now, lastStatus: status, lastError: null }).where(eq(d.id, id));
    },
    /** Tried and failed: again at `retryAt`, or never (`retryAt` null: given up). */
    async failed(id: string, error: string, status: number | null, retryAt: Date | null): Promise<void> {
      const e = error.slice(0, 500);
      if (retryAt) await db.update(d).set({ lastError: e, lastStatus: status, nextAttemptAt: retryAt }).where(eq(d.id, id));
      else await db.update(d).set({ state: 'failed', lastError: e, lastStatus: status }).where(eq(d.id, id));
    },

    /** Deletes finished deliveries older than `before`, then events no delivery refers to. Returns deliveries deleted. */
    async prune(before: Date): Promise<number> {
      const gone = await db
        .delete(d)
        .where(and(or(eq(d.state, 'delivered'), eq(d.state, 'failed')), lt(d.createdAt, before)))
        .returning({ id: d.id });
      await db.delete(outboxEvents).where(
        and(
          lt(outboxEvents.createdAt, before),
          notExists(
            db
              .select({ one: sql`1` })
              .from(d)
              .where(eq(d.eventId, outboxEvents.id)),
          ),
        ),
      );
      return gone.length;
    },

    /** Delivery counts by target and state (webhookId null = MQTT), and the oldest pending delivery's age. */
    async stats(): Promise<{ target: 'webhook' | 'mqtt'; webhookId: string | null; state: DeliveryRow['state']; n: number; oldest: Date | null }[]> {
      return db
        .select({
          target: d.target,
          webhookId: d.webhookId,
          state: d.state,
          n: count(),
          oldest: sql<Date | null>`min(${d.createdAt})`.mapWith((v) => (v ? new Date(v) : null)),
        })
        .from(d)
        .groupBy(d.target, d.webhookId, d.state);
    },

    async pendingCount(): Promise<number> {
      const [r] = await db.select({ n: count() }).from(d).where(eq(d.state, 'pending'));
      return r?.n ?? 0;
    },

    /** The newest deliveries to one webhook (or, with `webhookId` null, to the broker). */
    async recent(webhookId: string | null, opts: { limit: number; state?: DeliveryRow['state'] }): Promise<DeliveryRow[]> {
      if (webhookId !== null && !isUuid(webhookId)) return [];
      return db
        .select({
          id: d.id,
          eventId: d.eventId,
          type: outboxEvents.type,
          target: d.target,
          webhookId: d.webhookId,
          state: d.state,
          attempts: d.attempts,
          nextAttemptAt: d.nextAttemptAt,
          lastError: d.lastError,
          lastStatus: d.lastStatus,
          deliveredAt: d.deliveredAt,
          createdAt: d.createdAt,
        })
        .from(d)
        .innerJoin(outboxEvents, eq(outboxEvents.id, d.eventId))
        .where(and(webhookId === null ? isNull(d.webhookId) : eq(d.webhookId, webhookId), opts.state ? eq(d.state, opts.state) : undefined))
        .orderBy(desc(d.seq))
        .limit(opts.limit);
    },

    /** A failed delivery back to pending, due now (an operator's "retry"). False when there is none. */
    async retry(id: string, now: Date): Promise<boolean> {
      if (!isUuid(id)) return false;
      const r = await db
        .update(d)
        .set({ state: 'pending', nextAttemptAt: now, attempts: 0, createdAt: now })
        .where(and(eq(d.id, id), eq(d.state, 'failed')))
        .returning({ id: d.id });
      return r.length > 0;
    },
  };
}

export type OutboxRepo = ReturnType<typeof outboxRepo>;
