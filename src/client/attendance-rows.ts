// Attendance as people read it: one row a person a day (first seen, last seen, how many check-ins, which cameras). Pure.
import { localDay, timeOfDay } from './dom.js';

export interface CheckInLike {
  personId: string;
  name: string;
  /** ms since epoch */
  at: number;
  camera: string;
}

export interface DayRow {
  day: string;
  personId: string;
  name: string;
  first: number;
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
    const r = rows.get(k);
    if (!r) {
      rows.set(k, { day, personId: c.personId, name: c.name, first: c.at, last: c.at, count: 1, cameras: c.camera ? [c.camera] : [] });
      continue;
    }
    r.count++;
    if (c.at < r.first) r.first = c.at;
    if (c.at > r.last) {
      r.last = c.at;
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

/** The day rows as RFC 4180 CSV, times in the browser's zone. */
export function dayRowsCsv(rows: readonly DayRow[]): string {
  const header = ['day', 'person_id', 'name', 'first_seen', 'last_seen', 'check_ins', 'cameras'];
  const lines = rows.map((r) => [r.day, r.personId, r.name, timeOfDay(r.first), timeOfDay(r.last), r.count, r.cameras.join(' ')].map(csvCell).join(','));
  return [header.join(','), ...lines].join('\r\n') + '\r\n';
}
