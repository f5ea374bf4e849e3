// Attendance: turns "this track is recognized" into at most one check-in per person per cooldown window.
// The database decides (store/checkins-repo.ts); an in-memory note of each person's last check-in keeps the
// per-frame cost at a Map lookup. Writes never depend on the socket that saw the face.
import type { CheckIn } from '../../shared/protocol.js';
import type { Logger } from '../log.js';
import { listCheckInsSince, recordCheckIn, type CheckInRow } from '../store/checkins-repo.js';
import type { StoreDb } from '../store/queries.js';

/** Milliseconds since epoch; injectable so tests can move time. */
export type Clock = () => number;
export const systemClock: Clock = () => Date.now();

export interface CheckInServiceOptions {
  db: StoreDb;
  cooldownMs: number;
  clock: Clock;
  log: Logger;
  /** Called once per new check-in, after it is committed. */
  onCheckIn: (checkin: CheckIn) => void;
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

export class CheckInService {
  /** Person -> time (ms) before which the database need not be asked again. */
  private readonly quietUntil = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(private readonly opts: CheckInServiceOptions) {}

  /** A recognized face of `personId` was seen on `camera` now. Cheap when the person checked in recently. */
  seen(personId: string, score: number, camera: string): void {
    const now = this.opts.clock();
    if (now < (this.quietUntil.get(personId) ?? -Infinity)) return;
    if (this.inFlight.has(personId)) return;
    const work = this.attempt(personId, score, camera, now).finally(() => this.inFlight.delete(personId));
    this.inFlight.set(personId, work);
  }

  private async attempt(personId: string, score: number, camera: string, now: number): Promise<void> {
    const { db, cooldownMs, log, onCheckIn } = this.opts;
    try {
      const outcome = await recordCheckIn(db, { personId, at: new Date(now), score, camera, cooldownMs });
      const last = outcome.created ? outcome.row.at.getTime() : outcome.lastAt.getTime();
      this.quietUntil.set(personId, last + cooldownMs);
      if (outcome.created) {
        log.info('check-in', { person: personId, name: outcome.row.name, camera, score: Number(score.toFixed(3)) });
        onCheckIn(toCheckIn(outcome.row));
      }
    } catch (err) {
      // Not remembered as done: the next sighting of this person tries again.
      log.error('check-in failed', { person: personId, error: String(err) });
    }
  }

  /** A person was deleted (or the gallery reloaded): forget what is cached about them. */
  forget(personId?: string): void {
    if (personId === undefined) this.quietUntil.clear();
    else this.quietUntil.delete(personId);
  }

  /** Today's check-ins (local day of the service clock), oldest first. */
  async today(): Promise<{ day: string; checkins: CheckIn[] }> {
    const now = this.opts.clock();
    const rows = await listCheckInsSince(this.opts.db, startOfDay(now));
    return { day: dayLabel(now), checkins: rows.map(toCheckIn) };
  }

  /** Resolves when every check-in write started so far has finished (shutdown, tests). */
  async whenIdle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight.values()]);
  }
}
