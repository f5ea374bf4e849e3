// A day's attendance for its summary (src/server/attendance/daily-summary.ts): who checked in and when first, who did
// not (a capped list: a gallery of thousands does not go into a chat line), and the one row per day that makes a
// summary go out once however many servers share the database.
import { and, asc, count, countDistinct, eq, gte, lt, min, notExists, sql } from 'drizzle-orm';
import type { StoreDb } from './drizzle-db.js';
import { attendanceSummaries, checkIns, people } from './schema.js';

export interface DayAttendance {
  /** Everyone enrolled now. */
  people: number;
  /** People with a check-in in the day, first check-in first: at most `listed`. */
  checkedIn: { personId: string; name: string; firstAt: Date }[];
  checkedInCount: number;
  /** People without one, by name: at most `listed`. */
  notCheckedIn: { personId: string; name: string }[];
  notCheckedInCount: number;
}

export function attendanceSummaryRepo(db: StoreDb) {
  return {
    /** True for the one caller that records `day` as sent; false when it already was (here or on another server). */
    async claimDay(day: string, at: Date): Promise<boolean> {
      const rows = await db.insert(attendanceSummaries).values({ day, sentAt: at }).onConflictDoNothing().returning({ day: attendanceSummaries.day });
      return rows.length > 0;
    },

    /** Whether `day`'s summary was sent (by any server). */
    async claimed(day: string): Promise<boolean> {
      const rows = await db.select({ day: attendanceSummaries.day }).from(attendanceSummaries).where(eq(attendanceSummaries.day, day));
      return rows.length > 0;
    },

    /** Check-ins in [since, until), against everyone enrolled. */
    async day(since: Date, until: Date, listed: number): Promise<DayAttendance> {
      const inDay = and(gte(checkIns.at, since), lt(checkIns.at, until));
      const [total] = await db.select({ n: count() }).from(people);
      const [seen] = await db
        .select({ n: countDistinct(checkIns.personId) })
        .from(checkIns)
        .where(inDay);
      const firstAt = min(checkIns.at);
      const checkedIn = await db
        .select({ personId: checkIns.personId, name: people.name, firstAt })
        .from(checkIns)
        .innerJoin(people, eq(checkIns.personId, people.id))
        .where(inDay)
        .groupBy(checkIns.personId, people.name)
        .orderBy(asc(firstAt), asc(people.name))
        .limit(listed);
      const notCheckedIn = await db
        .select({ personId: people.id, name: people.name })
        .from(people)
        .where(
          notExists(
            db
              .select({ one: sql`1` })
              .from(checkIns)
              .where(and(eq(checkIns.personId, people.id), inDay)),
          ),
        )
        .orderBy(asc(people.name), asc(people.id))
        .limit(listed);
      const peopleCount = total?.n ?? 0;
      const checkedInCount = seen?.n ?? 0;
      return {
        people: peopleCount,
        checkedIn: checkedIn.map((r) => ({ ...r, firstAt: r.firstAt! })),
        checkedInCount,
        notCheckedIn,
        notCheckedInCount: Math.max(0, peopleCount - checkedInCount),
      };
    },
  };
}

export type AttendanceSummaryRepo = ReturnType<typeof attendanceSummaryRepo>;
