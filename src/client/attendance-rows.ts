// Attendance as people read it: one row a person a day (first check-in, last seen by a camera, how many check-ins,
// which cameras). Pure.
import { localDay, localIso } from './dom.js';

export interface CheckInLike {
  personId: string;
  name: string;
  /** ms since epoch */
  at: number;
  /** The last time a camera recognized them within this check-in's window, ms (the API's lastSeenAt); `at` if absent. */
  lastSeen?: number;
  camera: string;
}

export interface DayRow {
  day: string;
  personId: string;
  name: string;
  /** First check-in of the day, ms. */
  first: number;
  /** Last sighting of the day (the latest lastSeenAt of its check-ins), ms. */
  last: number;
  count: number;
  cameras: string[];
}

/** Groups check-ins by (day in `dayOf`, person); newest day first, then by first arrival. */
export function dayRows(checkins: readonly CheckInLike[], dayOf: (ms: number) => string = localDay): DayRow[] {
  const rows = new Map<string, DayRow>();
  for (const c of checkins) {
    const day = dayOf(c.at);
    const k = `${day}\u0000${c.personId}`;
    const seen = Math.max(c.at, c.lastSeen ?? c.at);
    const r = rows.get(k);
    if (!r) {
      rows.set(k, { day, personId: c.personId, name: c.name, first: c.at, last: seen, count: 1, cameras: c.camera ? [c.camera] : [] });
      continue;
    }
    r.count++;
    if (c.at < r.first) r.first = c.at;
    if (seen > r.last) {
      r.last = seen;
      r.name = c.name; // the newest name, if they were renamed meanwhile
    }
    if (c.camera && !r.cameras.includes(c.camera)) r.cameras.push(c.camera);
  }
  return [...rows.values()].sort((a, b) => (a.day === b.day ? a.first - b.first : a.day < b.day ? 1 : -1));
}

const csvCell = (v: string | number): string => {
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`; // a spreadsheet would run it as a formula
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** The day rows as RFC 4180 CSV; times are ISO 8601 in the browser's zone with its offset, so they stay unambiguous. */
export function dayRowsCsv(rows: readonly DayRow[]): string {
  const header = ['day', 'person_id', 'name', 'first_check_in', 'last_seen', 'check_ins', 'cameras'];
  const lines = rows.map((r) => [r.day, r.personId, r.name, localIso(r.first), localIso(r.last), r.count, r.cameras.join(' ')].map(csvCell).join(','));
  return [header.join(','), ...lines].join('\r\n') + '\r\n';
}
