// Attendance: turns "this track is recognized" into at most one check-in per person per cooldown window.
// The database decides (store/checkins-repo.ts); an in-memory note of each person's last check-in keeps the
// per-frame cost at a Map lookup. Writes never depend on the socket that saw the face.
import type { CheckIn } from '../../shared/protocol.js';
import type { Logger } from '../log.js';
import type { CheckInAttempt, CheckInRow, CheckInsRepo } from '../store/checkins-repo.js';
import type { EnqueueOutcome } from '../store/outbox-repo.js';
import { isPermanentDbError, sqlState } from '../store/db-errors.js';

/** Milliseconds since epoch; injectable so tests can move time. */
export type Clock = () => number;
export const systemClock: Clock = () => Date.now();

export interface CheckInServiceOptions {
  checkIns: Pick<CheckInsRepo, 'record' | 'since'> & Partial<Pick<CheckInsRepo, 'seenAgain'>>;
  cooldownMs: number;
  clock: Clock;
  log: Logger;
  /** Called once per new check-in, after it is committed. */
  onCheckIn: (checkin: CheckIn) => void;
  /** How often check-ins that failed to write (database down) are tried again, ms. */
  retryMs?: number;
  /**
   * A person already checked in within the cooldown was seen again on `camera`: `checkin` is that earlier check-in.
   * Called at most once per person and camera per `alreadyNoticeMs`.
   */
  onAlready?: (checkin: CheckIn, camera: string) => void;
  alreadyNoticeMs?: number;
  /** The check-in's webhook and MQTT event, written in the check-in's own transaction; `onQueued` hears how it went. */
  outbox?: CheckInAttempt['outbox'] & { onQueued?: (outcome: EnqueueOutcome) => void };
}

interface Sighted {
  score: number;
  camera: string;
  /** When the person was seen: the check-in keeps this time even when written later. */
  at: number;
}

export function toCheckIn(row: CheckInRow): CheckIn {
  return { id: row.id, personId: row.personId, name: row.name, at: row.at.getTime(), score: row.score, camera: row.camera };
}

/** Local midnight of the day that contains `ms`. */
export function startOfDay(ms: number): Date {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d;
}

/** YYYY-MM-DD of the local day that contains `ms`. */
export function dayLabel(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** Attendance's last sighting of a checked-in person is written at most this often per person, ms. */
export const LAST_SEEN_WRITE_MS = 30_000;

export class CheckInService {
  /** Person -> time (ms) before which the database need not be asked again. */
  private readonly quietUntil = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Check-ins whose write failed, by person (the earliest sighting), written when the database is back. */
  private readonly unwritten = new Map<string, Sighted>();
  private retryTimer: ReturnType<typeof setInterval> | null = null;
  /** Check-ins the database refused outright (they could never be written): dropped, logged and counted. */
  dropped = 0;
  /** Each person's check-in of the current cooldown window, for "already checked in" notices. */
  private readonly lastCheckIn = new Map<string, CheckIn>();
  /** `person camera` -> when the person was last seen there while checked in. */
  private readonly lastSeenAt = new Map<string, number>();
  /** Person -> when their check-in's last sighting was last written; bounded like lastSeenAt. */
  private readonly seenWrittenAt = new Map<string, number>();
  /** Last-sighting writes in flight (whenIdle waits for them); at most one a person a LAST_SEEN_WRITE_MS. */
  private readonly seenWrites = new Set<Promise<void>>();

  constructor(private readonly opts: CheckInServiceOptions) {}

  /** A recognized face of `personId` was seen on `camera` now. Cheap when the person checked in recently. */
  seen(personId: string, score: number, camera: string): void {
    const now = this.opts.clock();
    if (now < (this.quietUntil.get(personId) ?? -Infinity)) return this.already(personId, camera, now);
    if (this.inFlight.has(personId) || this.unwritten.has(personId)) return;
    void this.start(personId, { score, camera, at: now }); // attempt() catches: a failed write is kept, never thrown
  }

  private start(personId: string, sighted: Sighted): Promise<void> {
    const work = this.attempt(personId, sighted).finally(() => this.inFlight.delete(personId));
    this.inFlight.set(personId, work);
    return work;
  }

  private async attempt(personId: string, sighted: Sighted): Promise<void> {
    const { checkIns, cooldownMs, log, onCheckIn } = this.opts;
    const { score, camera, at } = sighted;
    try {
      const outbox = this.opts.outbox;
      const outcome = await checkIns.record({ personId, at: new Date(at), score, camera, cooldownMs, outbox });
      this.unwritten.delete(personId);
      const last = outcome.created ? outcome.row.at.getTime() : outcome.lastAt.getTime();
      this.quietUntil.set(personId, last + cooldownMs);
      const row = outcome.created ? outcome.row : outcome.last;
      if (row) this.lastCheckIn.set(personId, toCheckIn(row));
      if (outcome.created) this.lastSeenAt.set(`${personId} ${camera}`, at);
      if (!outcome.created) this.already(personId, camera, this.opts.clock());
      if (outcome.created) {
        log.info('check-in', { person: personId, name: outcome.row.name, camera, score: Number(score.toFixed(3)) });
        if (outcome.queued) outbox?.onQueued?.(outcome.queued);
        onCheckIn(toCheckIn(outcome.row));
      }
    } catch (err) {
      if (isPermanentDbError(err)) {
        // Retrying the same row would fail for ever and hold the person back on every camera: drop it, say so, and
        // pause this person only briefly so a sighting elsewhere can check them in.
        this.unwritten.delete(personId);
        this.dropped += 1;
        this.quietUntil.set(personId, this.opts.clock() + (this.opts.retryMs ?? 5000));
        log.error('check-in refused by the database; dropped', {
          person: personId,
          camera: JSON.stringify(camera),
          sqlState: sqlState(err),
          error: String(err),
        });
        return;
      }
      // Kept with its original time and written when the database answers again, even if the person has left.
      if (!this.unwritten.has(personId)) log.error('check-in not written yet; will retry', { person: personId, error: String(err) });
      this.unwritten.set(personId, sighted);
      this.retryTimer ??= setInterval(() => this.retryUnwritten(), this.opts.retryMs ?? 5000);
    }
  }

  /**
   * "Already checked in" is for someone who comes back, not someone who stays: it is told when the person reappears on
   * a camera after `alreadyNoticeMs` away from it, and not within `alreadyNoticeMs` of the check-in itself.
   */
  private already(personId: string, camera: string, now: number): void {
    const checkin = this.lastCheckIn.get(personId);
    const { onAlready, alreadyNoticeMs = 30_000 } = this.opts;
    if (checkin) this.noteSeen(personId, checkin.id, now);
    if (!checkin || !onAlready) return;
    const key = `${personId} ${camera}`;
    const prev = this.lastSeenAt.get(key);
    if (this.lastSeenAt.size > 10_000) this.lastSeenAt.clear(); // bounded: at worst one notice too many
    this.lastSeenAt.set(key, now);
    if (prev !== undefined && now - prev < alreadyNoticeMs) return;
    if (now - checkin.at < alreadyNoticeMs) return;
    onAlready(checkin, camera);
  }

  /**
   * Attendance's "last seen" is the last sighting, not the last check-in: the check-in of the current window carries it,
   * written at most once a LAST_SEEN_WRITE_MS per person (a face in view for an hour costs ~120 updates, not 50,000).
   * A failed write is only logged: the next sighting writes a later time anyway.
   */
  private noteSeen(personId: string, checkInId: string, now: number): void {
    const seenAgain = this.opts.checkIns.seenAgain;
    if (!seenAgain) return;
    const prev = this.seenWrittenAt.get(personId);
    if (prev !== undefined && now - prev < LAST_SEEN_WRITE_MS) return;
    if (this.seenWrittenAt.size > 10_000) this.seenWrittenAt.clear();
    this.seenWrittenAt.set(personId, now);
    const write = seenAgain(checkInId, new Date(now))
      .catch((err: unknown) => this.opts.log.warn('last sighting not written', { person: personId, error: err instanceof Error ? err.message : String(err) }))
      .finally(() => this.seenWrites.delete(write));
    this.seenWrites.add(write);
  }

  private retryUnwritten(): void {
    for (const [personId, sighted] of this.unwritten) if (!this.inFlight.has(personId)) void this.start(personId, sighted);
    if (this.unwritten.size === 0 && this.retryTimer) {
      clearInterval(this.retryTimer);
      this.retryTimer = null;
    }
  }

  /** Check-ins seen but not yet written (the database was unreachable). */
  get pending(): number {
    return this.unwritten.size;
  }

  /** Stops retrying (shutdown); says how many check-ins could not be written. */
  stop(): void {
    if (this.retryTimer) clearInterval(this.retryTimer);
    this.retryTimer = null;
    if (this.unwritten.size > 0) this.opts.log.error('check-ins lost at shutdown: the database did not come back', { count: this.unwritten.size });
  }

  /** A person was deleted (or the gallery reloaded): forget what is cached about them. */
  forget(personId?: string): void {
    if (personId === undefined) {
      this.quietUntil.clear();
      this.lastCheckIn.clear();
    } else {
      this.quietUntil.delete(personId);
      this.lastCheckIn.delete(personId);
    }
  }

  /** Today's check-ins (local day of the service clock), oldest first. */
  async today(): Promise<{ day: string; checkins: CheckIn[] }> {
    const now = this.opts.clock();
    const rows = await this.opts.checkIns.since(startOfDay(now));
    return { day: dayLabel(now), checkins: rows.map(toCheckIn) };
  }

  /** Resolves when every check-in write started so far has finished (shutdown, tests). */
  async whenIdle(): Promise<void> {
    while (this.inFlight.size > 0 || this.seenWrites.size > 0) await Promise.all([...this.inFlight.values(), ...this.seenWrites]);
  }
}
