// Attendance check-ins on the drizzle db: one row per person per cooldown window, race-free across sessions,
// cameras and server processes (a transaction-scoped advisory lock on the person, then insert only if none is in the window).
import { and, desc, eq, gt, gte, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { StoreDb } from './drizzle-db.js';
import { outboxRepo, type EnqueueOutcome, type OutboxEvent } from './outbox-repo.js';
import { checkIns, people } from './schema.js';

export interface CheckInRow {
  id: string;
  personId: string;
  name: string;
  at: Date;
  score: number;
  camera: string;
}

export interface CheckInAttempt {
  personId: string;
  at: Date;
  score: number;
  camera: string;
  cooldownMs: number;
  /** The check-in's event for webhooks and MQTT, written in the same transaction as the check-in itself. */
  outbox?: { event: (row: CheckInRow) => OutboxEvent; maxPending: number };
}

/** Not created: `last` is the check-in within the cooldown (absent when the person was deleted meanwhile). */
export type CheckInOutcome = { created: true; row: CheckInRow; queued?: EnqueueOutcome } | { created: false; lastAt: Date; last?: CheckInRow };

/** The columns of a CheckInRow: the check-in and its person's name. */
const rowColumns = { id: checkIns.id, personId: checkIns.personId, name: people.name, at: checkIns.at, score: checkIns.score, camera: checkIns.camera };

/** Advisory-lock namespace for check-ins ("CI"), so other features' advisory locks cannot collide with these. */
const LOCK_NAMESPACE = 0x4349;

/**
 * Records a check-in unless the person has one within `cooldownMs` before `at` (or at `at` itself: a retry of a write
 * that did commit inserts nothing). A later one does not count: a check-in written late, after the database came back,
 * keeps its own time even when another camera checked the person in meanwhile. Concurrent callers for the same person
 * serialise on the lock, so exactly one of them inserts. Returns what was done.
 */
async function recordCheckIn(db: StoreDb, a: CheckInAttempt): Promise<CheckInOutcome> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${LOCK_NAMESPACE}, hashtext(${a.personId}))`);
    const since = new Date(a.at.getTime() - a.cooldownMs);
    const [last] = await tx
      .select(rowColumns)
      .from(checkIns)
      .innerJoin(people, eq(checkIns.personId, people.id))
      .where(and(eq(checkIns.personId, a.personId), gt(checkIns.at, since), lte(checkIns.at, a.at)))
      .orderBy(desc(checkIns.at))
      .limit(1);
    if (last) return { created: false, lastAt: last.at, last };
    const [person] = await tx.select({ name: people.name }).from(people).where(eq(people.id, a.personId));
    // The person was deleted while they were in view: nothing to record.
    if (!person) return { created: false, lastAt: a.at };
    const [row] = await tx
      .insert(checkIns)
      .values({ personId: a.personId, at: a.at, score: a.score, camera: a.camera })
      .returning({ id: checkIns.id, personId: checkIns.personId, at: checkIns.at, score: checkIns.score, camera: checkIns.camera });
    const created = { ...row!, name: person.name };
    // With the check-in or not at all: a check-in is never told without being stored, nor stored without being told.
    const queued = a.outbox ? await outboxRepo(tx).enqueue(a.outbox.event(created), { maxPending: a.outbox.maxPending, now: a.at }) : undefined;
    return { created: true, row: created, queued };
  });
}

/** Check-ins at or after `since`, oldest first, with the person's name: the newest `limit` of them on a busy day. */
async function listCheckInsSince(db: StoreDb, since: Date, limit = 1000): Promise<CheckInRow[]> {
  const newest = await db
    .select(rowColumns)
    .from(checkIns)
    .innerJoin(people, eq(checkIns.personId, people.id))
    .where(gte(checkIns.at, since))
    .orderBy(desc(checkIns.at), desc(checkIns.id))
    .limit(limit);
  return newest.reverse();
}

/** Every check-in of one person, newest first. */
async function listCheckInsOfPerson(db: StoreDb, personId: string, limit = 100): Promise<CheckInRow[]> {
  return db
    .select(rowColumns)
    .from(checkIns)
    .innerJoin(people, eq(checkIns.personId, people.id))
    .where(eq(checkIns.personId, personId))
    .orderBy(desc(checkIns.at))
    .limit(limit);
}

export function checkInsRepo(db: StoreDb) {
  return {
    record: (a: CheckInAttempt) => recordCheckIn(db, a),
    /** The person of check-in `id` was seen again at `at`: moves its last sighting forward (never back). */
    async seenAgain(id: string, at: Date): Promise<void> {
      await db
        .update(checkIns)
        .set({ lastSeenAt: at })
        // Column operators (not raw SQL) so `at` is bound as a timestamp on both PGlite and postgres.js.
        .where(and(eq(checkIns.id, id), or(and(isNull(checkIns.lastSeenAt), lt(checkIns.at, at)), lt(checkIns.lastSeenAt, at))));
    },
    since: (since: Date, limit?: number) => listCheckInsSince(db, since, limit),
    ofPerson: (personId: string, limit?: number) => listCheckInsOfPerson(db, personId, limit),
  };
}

export type CheckInsRepo = ReturnType<typeof checkInsRepo>;
