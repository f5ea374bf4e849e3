// Kiosk sign-in page entry: the live view, today's check-ins (sent by the server after welcome, then live), and a
// greeting when someone checks in at this camera.
import type { CheckIn } from '../shared/protocol.js';
import { byId, startLiveView } from './live.js';

/** How long the greeting stays up, ms. */
const GREETING_MS = 6000;

export function timeOfDay(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

function startKiosk(): void {
  const view = startLiveView({ kiosk: true });
  const { connection } = view;
  const listEl = byId('checkins');
  const countEl = byId('checkin-count');
  const dayEl = byId('checkin-day');
  const greetingEl = byId('greeting');
  const byId_ = new Map<string, CheckIn>();
  let greetingTimer: ReturnType<typeof setTimeout> | null = null;

  const render = (): void => {
    // Newest first: the person who just arrived is at the top.
    const rows = [...byId_.values()].sort((a, b) => b.at - a.at);
    listEl.replaceChildren(
      ...rows.map((c) => {
        const li = document.createElement('li');
        li.dataset.personId = c.personId;
        const name = document.createElement('span');
        name.className = 'name';
        name.textContent = c.name;
        const time = document.createElement('time');
        time.dateTime = new Date(c.at).toISOString();
        time.textContent = timeOfDay(c.at);
        li.append(name, time);
        return li;
      }),
    );
    countEl.textContent = String(rows.length);
  };

  const greet = (c: CheckIn): void => {
    greetingEl.textContent = `Welcome, ${c.name}!`;
    greetingEl.dataset.personId = c.personId;
    if (greetingTimer) clearTimeout(greetingTimer);
    greetingTimer = setTimeout(() => {
      greetingEl.textContent = '';
      delete greetingEl.dataset.personId;
    }, GREETING_MS);
  };

  connection.on('checkins.today', (m) => {
    byId_.clear();
    for (const c of m.checkins) byId_.set(c.id, c);
    dayEl.textContent = m.day;
    render();
  });
  connection.on('checkin', (m) => {
    byId_.set(m.checkin.id, m.checkin);
    render();
    // Kiosks hear every camera's check-ins; greet only the person standing in front of this one.
    if (m.checkin.camera === cameraLabel()) greet(m.checkin);
  });
}

function cameraLabel(): string {
  return (new URLSearchParams(location.search).get('camera') ?? 'browser').slice(0, 100);
}

startKiosk();
