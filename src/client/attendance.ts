// Attendance page: check-ins over a date range, one row a person a day (first check-in, last seen by a camera, count,
// cameras), filtered by person and camera, downloadable as CSV of exactly the rows shown. Times are the browser's
// local time, and the page names that zone.
import { dayRows, dayRowsCsv, type CheckInLike, type DayRow } from './attendance-rows.js';
import { byId, h, localDay, localIso, timeOfDay, zoneText } from './dom.js';
import type { Api } from './session.js';
import { boot } from './shell.js';

interface ApiCheckIn {
  personId: string;
  personName: string;
  at: string;
  lastSeenAt?: string;
  camera: string;
}

/** Pages of 1000 at most (the API's limit); this many pages at most per range. */
const MAX_PAGES = 50;

/** Local midnight of a yyyy-mm-dd date input. */
const midnight = (day: string): Date => {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y!, m! - 1, d!);
};

async function startAttendance(api: Api): Promise<void> {
  const fromEl = byId<HTMLInputElement>('from');
  const toEl = byId<HTMLInputElement>('to');
  const personEl = byId<HTMLSelectElement>('person');
  const cameraEl = byId<HTMLSelectElement>('camera');
  const errorEl = byId('attendance-error');
  const params = new URLSearchParams(location.search);
  fromEl.value = params.get('from') ?? localDay(Date.now() - 6 * 86_400_000);
  toEl.value = params.get('to') ?? localDay(Date.now());
  let shown: DayRow[] = [];
  let all: CheckInLike[] = [];

  const people = (await api.get<{ items: { id: string; name: string }[] }>('/api/v1/library?limit=1000')).items;
  personEl.append(...people.map((p) => h('option', { value: p.id }, p.name)));

  const fetchRange = async (): Promise<CheckInLike[]> => {
    const from = midnight(fromEl.value);
    const to = new Date(midnight(toEl.value).getTime() + 86_400_000 + 3_600_000); // to the end of the last day, DST-proof
    const toDay = localDay(midnight(toEl.value));
    const out: CheckInLike[] = [];
    for (let page = 0; page < MAX_PAGES; page++) {
      const q = new URLSearchParams({ from: from.toISOString(), to: to.toISOString(), limit: '1000', offset: String(page * 1000) });
      if (personEl.value) q.set('personId', personEl.value);
      const r = await api.get<{ items: ApiCheckIn[]; total: number }>(`/api/v1/check-ins?${q}`);
      out.push(
        ...r.items.map((c) => ({
          personId: c.personId,
          name: c.personName,
          at: Date.parse(c.at),
          lastSeen: c.lastSeenAt ? Date.parse(c.lastSeenAt) : undefined,
          camera: c.camera,
        })),
      );
      if (out.length >= r.total || r.items.length === 0) break;
    }
    return out.filter((c) => localDay(c.at) <= toDay);
  };

  const render = (): void => {
    const camera = cameraEl.value;
    shown = dayRows(camera ? all.filter((c) => c.camera === camera) : all);
    byId('rows').replaceChildren(
      ...shown.map((r) =>
        h(
          'tr',
          { 'data-person-id': r.personId, 'data-day': r.day },
          h('td', {}, r.day),
          h('td', {}, h('a', { href: `/people.html?id=${r.personId}` }, r.name)),
          h('td', { class: 'num', title: localIso(r.first) }, timeOfDay(r.first)),
          h('td', { class: 'num', title: localIso(r.last) }, timeOfDay(r.last)),
          h('td', { class: 'num' }, r.count),
          h('td', {}, r.cameras.join(', ')),
        ),
      ),
    );
    const persons = new Set(shown.map((r) => r.personId)).size;
    byId('attendance-summary').textContent =
      `${shown.length} rows · ${persons} ${persons === 1 ? 'person' : 'people'} · ${shown.reduce((n, r) => n + r.count, 0)} check-ins`;
    byId('attendance-zone').textContent = `Times are local: ${zoneText()}.`;
    byId('attendance-empty').hidden = shown.length > 0;
  };

  const load = async (): Promise<void> => {
    if (!fromEl.value || !toEl.value) return;
    if (fromEl.value > toEl.value) {
      errorEl.textContent = '"From" is after "To".';
      errorEl.hidden = false;
      return;
    }
    try {
      all = await fetchRange();
      errorEl.hidden = true;
      const cameras = [...new Set(all.map((c) => c.camera))].filter(Boolean).sort();
      const keep = cameraEl.value;
      cameraEl.replaceChildren(h('option', { value: '' }, 'Every camera'), ...cameras.map((c) => h('option', { value: c }, c)));
      cameraEl.value = cameras.includes(keep) ? keep : '';
      render();
    } catch (err) {
      errorEl.textContent = `Could not load check-ins: ${err instanceof Error ? err.message : String(err)}`;
      errorEl.hidden = false;
    }
  };

  for (const el of [fromEl, toEl, personEl]) el.addEventListener('change', () => void load());
  cameraEl.addEventListener('change', render);
  byId('download').addEventListener('click', () => {
    const blob = new Blob([dayRowsCsv(shown)], { type: 'text/csv;charset=utf-8' });
    const a = h('a', { href: URL.createObjectURL(blob), download: `attendance-${fromEl.value}-to-${toEl.value}.csv` });
    document.body.append(a);
    a.click();
    a.remove();
  });
  await load();
}

void boot('attendance').then(({ api }) => startAttendance(api));
