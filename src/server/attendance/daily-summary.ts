// The day's attendance summary: once a day at ATTENDANCE_SUMMARY_AT (server time, TZ), an `attendance.summary` event
// with who checked in and who did not goes to the outbox, for the webhooks and chats that take it and for MQTT. A row
// per day (claimDay) makes it go out once, whichever server of several gets there first, and once after a restart; a
// server started after the time sends that day's summary when it starts.
import type { Logger } from '../log.js';
import type { AttendanceSummaryRepo } from '../store/attendance-summary-repo.js';
import type { OutboxEvent } from '../store/outbox-repo.js';
import type { Clock } from './checkins.js';

/** Most names each list of the summary carries (the counts are always whole). */
export const SUMMARY_LISTED = 50;
/** How often the time of day is checked. */
const TICK_MS = 30_000;

const pad = (n: number) => String(n).padStart(2, '0');

/** The server-local day of `ms`: its date, where it starts and ends, and the minutes since it began. */
export function localDay(ms: number): { day: string; start: Date; end: Date; minutes: number } {
  const d = new Date(ms);
  const start = new Date(d.getFullYear(), d.getMonth(), d.getDate());
  const end = new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1);
  return { day: `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`, start, end, minutes: d.getHours() * 60 + d.getMinutes() };
}

/** The `attendance.summary` event of `now`'s day so far (the daily send, and "send it now" on a webhook). */
export async function summaryEvent(
  repo: Pick<AttendanceSummaryRepo, 'day'>,
  now: number,
): Promise<OutboxEvent & { payload: { checkedInCount: number; people: number } }> {
  const { day, start } = localDay(now);
  const d = await repo.day(start, new Date(now + 1), SUMMARY_LISTED);
  return {
    type: 'attendance.summary',
    payload: {
      at: new Date(now).toISOString(),
      date: day,
      people: d.people,
      checkedInCount: d.checkedInCount,
      notCheckedInCount: d.notCheckedInCount,
      checkedIn: d.checkedIn.map((c) => ({ id: c.personId, name: c.name, firstAt: c.firstAt.toISOString() })),
      notCheckedIn: d.notCheckedIn.map((c) => ({ id: c.personId, name: c.name })),
      listed: SUMMARY_LISTED,
    },
  };
}

export interface DailySummaryDeps {
  repo: Pick<AttendanceSummaryRepo, 'claimDay' | 'claimed' | 'day'>;
  /** Writes the event to the outbox (Outbound.enqueue: never throws). */
  enqueue: (ev: OutboxEvent) => Promise<unknown>;
  clock: Clock;
  /** HH:MM, validated by the config. */
  at: string;
  log: Logger;
}

export class DailySummary {
  private timer: ReturnType<typeof setInterval> | null = null;
  private running: Promise<boolean> | null = null;
  /** The last day this server saw sent (by itself or another): nothing more to do until the next. */
  private doneDay: string | null = null;
  private readonly atMinutes: number;

  constructor(private readonly deps: DailySummaryDeps) {
    const [h, m] = deps.at.split(':').map(Number);
    this.atMinutes = h! * 60 + m!;
  }

  start(): void {
    const tick = () => void this.tick();
    this.timer = setInterval(tick, TICK_MS);
    this.timer.unref();
    tick();
  }

  /** Sends today's summary if its time has come and no server has sent it; true when this call sent it. */
  tick(): Promise<boolean> {
    // One at a time: overlapping ticks would both read the day (the claim still sends it once).
    this.running ??= this.sendIfDue().finally(() => (this.running = null));
    return this.running;
  }

  private async sendIfDue(): Promise<boolean> {
    const { repo, clock, log } = this.deps;
    const now = clock();
    const { day, minutes } = localDay(now);
    if (minutes < this.atMinutes || this.doneDay === day) return false;
    try {
      // A cheap look first: the day's reads scan the people, and another server may have sent it already.
      if (await repo.claimed(day)) {
        this.doneDay = day;
        return false;
      }
      // Read, then claim: a failed read leaves the day to the next tick, not lost.
      const ev = await summaryEvent(repo, now);
      const mine = await repo.claimDay(day, new Date(now));
      this.doneDay = day;
      if (!mine) return false;
      await this.deps.enqueue(ev);
      log.info('attendance summary sent', { day, checkedIn: ev.payload.checkedInCount, people: ev.payload.people });
      return true;
    } catch (err) {
      log.warn('attendance summary: could not be made; tried again on the next tick', { day, error: String(err) });
      return false;
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
