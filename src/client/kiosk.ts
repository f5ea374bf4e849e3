// Door kiosk entry: full screen, no navigation or debug numbers. A large greeting with the person's enrolled photo and
// the time when they check in at this camera; "Already checked in at 08:59" when a recognized person has checked in
// earlier today (no new check-in inside the cooldown); today's list, one row a person, cleared at local midnight.
import type { CheckIn } from '../shared/protocol.js';
import { dayRows } from './attendance-rows.js';
import { byId, h, localDay, timeOfDay } from './dom.js';
import { startLiveView } from './live.js';
import type { Api, Session } from './session.js';
import { boot } from './shell.js';

export { timeOfDay } from './dom.js';

/** How long a greeting stays up after the person was last in view, ms. */
const GREETING_MS = 8000;
/** A recognized face without a check-in message this long after it was named is someone already checked in. */
const ALREADY_AFTER_MS = 1500;
/** How long "not live" stays up after the refused face was last in view, ms. */
const NOT_LIVE_MS = 3000;

function cameraLabel(): string {
  return (new URLSearchParams(location.search).get('camera') ?? 'browser').slice(0, 100);
}

function startKiosk(session: Session, api: Api): void {
  const view = startLiveView({ session, api, kiosk: true, mirror: true, debug: false });
  const { connection } = view;
  const listEl = byId('checkins');
  const countEl = byId('checkin-count');
  const dayEl = byId('checkin-day');
  const card = byId('greeting');
  const photo = byId<HTMLImageElement>('greeting-photo');
  const titleEl = byId('greeting-title');
  const detailEl = byId('greeting-detail');
  const clockEl = byId('clock');
  const dateEl = byId('today-date');
  const checkins = new Map<string, CheckIn>();
  const photos = new Map<string, Promise<string | null>>();
  /** When each person on screen was first named in the current sighting, for "already checked in". */
  const namedSince = new Map<string, number>();
  let shownFor: string | null = null;
  let hideAt = 0;
  let shownAt = 0;
  let today = localDay(Date.now());

  const photoFor = (personId: string): Promise<string | null> => {
    let p = photos.get(personId);
    if (!p) {
      p = api
        .get<{ items: { cropUrl: string | null; quality: number | null }[] }>(`/api/v1/people/${personId}/faces`)
        .then((r) => {
          const best = r.items.filter((f) => f.cropUrl).sort((a, b) => (b.quality ?? 0) - (a.quality ?? 0))[0];
          return best?.cropUrl ? api.imageUrl(best.cropUrl) : null;
        })
        .catch(() => null);
      photos.set(personId, p);
    }
    return p;
  };

  const render = (): void => {
    const rows = dayRows([...checkins.values()])
      .filter((r) => r.day === today)
      .sort((a, b) => b.last - a.last);
    listEl.replaceChildren(
      ...rows.map((r) =>
        h(
          'li',
          { 'data-person-id': r.personId },
          h('span', { class: 'name' }, r.name),
          h(
            'time',
            { datetime: new Date(r.first).toISOString(), title: r.count > 1 ? `${r.count} check-ins, last ${timeOfDay(r.last)}` : null },
            timeOfDay(r.first),
          ),
        ),
      ),
    );
    countEl.textContent = String(rows.length);
  };

  const greet = (kind: 'welcome' | 'already', personId: string, name: string, at: number): void => {
    card.dataset.kind = kind;
    card.dataset.personId = personId;
    titleEl.textContent = kind === 'welcome' ? `Welcome, ${name}!` : `Hello again, ${name}`;
    detailEl.textContent = kind === 'welcome' ? `Checked in at ${timeOfDay(at)}` : `Already checked in at ${timeOfDay(at)}`;
    card.hidden = false;
    shownFor = personId;
    shownAt = performance.now();
    hideAt = shownAt + GREETING_MS;
    photo.hidden = true;
    void photoFor(personId).then((url) => {
      if (url && card.dataset.personId === personId) {
        photo.src = url;
        photo.hidden = false;
      }
    });
  };

  /**
   * The presentation-attack stage refused a face in view (`liveOk: false`, a camera that requires liveness): a photo
   * or a screen. Said plainly, so nobody waits for a check-in that will not come ("step closer" would not help). A
   * refusal lasts as long as its track, so a real person refused in error is told how to start a new one.
   */
  const notLive = (): void => {
    const now = performance.now();
    if (card.dataset.kind !== 'not-live') {
      if (!card.hidden && now - shownAt < 2000) return; // a greeting just shown keeps its 2 s
      card.dataset.kind = 'not-live';
      delete card.dataset.personId;
      titleEl.textContent = 'Not live';
      detailEl.textContent = 'A photo or a screen cannot check in. Please stand in front of the camera yourself: step out of view, then come back.';
      photo.hidden = true;
      card.hidden = false;
      shownFor = null;
      shownAt = now;
    }
    hideAt = now + NOT_LIVE_MS;
  };

  /** The latest of today's check-ins of a person, if any. */
  const latestToday = (personId: string): CheckIn | null => {
    let best: CheckIn | null = null;
    for (const c of checkins.values()) if (c.personId === personId && localDay(c.at) === today && (!best || c.at > best.at)) best = c;
    return best;
  };

  connection.on('checkins.today', (m) => {
    checkins.clear();
    for (const c of m.checkins) checkins.set(c.id, c);
    dayEl.textContent = m.day;
    render();
  });
  connection.on('checkin', (m) => {
    checkins.set(m.checkin.id, m.checkin);
    render();
    // Kiosks hear every camera's check-ins; greet only the person standing in front of this one.
    if (m.checkin.camera === cameraLabel()) greet('welcome', m.checkin.personId, m.checkin.name, m.checkin.at);
  });
  // Newer servers say themselves when someone inside the cooldown comes by again (`checkin.already`); the overlay
  // rule below covers servers that don't.
  const onAlready = connection.on as unknown as (type: string, listener: (m: { checkin: CheckIn; camera: string }) => void) => () => void;
  onAlready.call(connection, 'checkin.already', (m) => {
    if (m.camera === cameraLabel() && shownFor !== m.checkin.personId) greet('already', m.checkin.personId, m.checkin.name, m.checkin.at);
  });
  connection.on('overlay', (o) => {
    const now = performance.now();
    const seen = new Set<string>();
    if (o.tracks.some((t) => t.liveOk === false)) notLive();
    for (const t of o.tracks) {
      if (t.state !== 'recognized' || !t.personId) continue;
      seen.add(t.personId);
      if (!namedSince.has(t.personId)) namedSince.set(t.personId, now);
      if (shownFor === t.personId) {
        hideAt = now + GREETING_MS; // keep the greeting up while they stand there
        continue;
      }
      const busy = !card.hidden && now - shownAt < 2000; // someone else's greeting gets at least 2 s
      if (now - namedSince.get(t.personId)! < ALREADY_AFTER_MS || busy) continue;
      const prev = latestToday(t.personId);
      if (prev) greet('already', t.personId, t.name ?? prev.name, prev.at);
    }
    for (const id of namedSince.keys()) if (!seen.has(id)) namedSince.delete(id);
  });

  const tick = (): void => {
    const now = Date.now();
    clockEl.textContent = timeOfDay(now);
    dateEl.textContent = new Date(now).toLocaleDateString(undefined, { weekday: 'long', day: 'numeric', month: 'long' });
    // Midnight: yesterday's list goes; the server sends a fresh one on the next connection.
    const day = localDay(now);
    if (day !== today) {
      today = day;
      for (const [id, c] of checkins) if (localDay(c.at) !== today) checkins.delete(id);
      dayEl.textContent = day;
      render();
    }
    if (!card.hidden && performance.now() > hideAt) {
      card.hidden = true;
      shownFor = null;
      delete card.dataset.personId;
      delete card.dataset.kind;
    }
  };
  tick();
  setInterval(tick, 500);

  const fsBtn = byId<HTMLButtonElement>('fullscreen');
  const syncFs = (): void => void (fsBtn.hidden = !!document.fullscreenElement || !document.fullscreenEnabled);
  fsBtn.addEventListener('click', () => void document.documentElement.requestFullscreen().catch(() => undefined));
  document.addEventListener('fullscreenchange', syncFs);
  syncFs();
}

void boot('kiosk').then(({ session, api }) => startKiosk(session, api));
