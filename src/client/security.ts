// Security page (operator): presentation attacks the cameras refused, newest first: the face as seen, when, on which
// camera, who it would have been named as, and the scores that refused it (GET /api/v1/security-events).
import { byId, h, localIso, whenText } from './dom.js';
import type { Api } from './session.js';
import { boot } from './shell.js';

interface SecurityEvent {
  id: string;
  camera: string;
  at: string;
  closest: { personId: string | null; name: string } | null;
  similarity: number | null;
  wouldBeNamed: boolean;
  liveScore: number;
  framesChecked: number;
  attackFrames: number;
  cropUrl: string | null;
}

/** Rows fetched a page. */
const PAGE = 50;

/** "live 0.12 · 4 of 5 frames attack" for an event's scores. */
export function scoresText(e: Pick<SecurityEvent, 'liveScore' | 'framesChecked' | 'attackFrames'>): string {
  return `live ${e.liveScore.toFixed(2)} · ${e.attackFrames} of ${e.framesChecked} frames attack`;
}

/** "Ada Lovelace 0.93" when the face would have been named; "closest: Ada Lovelace 0.80 (not a match)" otherwise. */
export function closestText(e: Pick<SecurityEvent, 'closest' | 'similarity' | 'wouldBeNamed'>): string {
  if (!e.closest) return 'nobody enrolled';
  const score = e.similarity === null ? '' : ` ${e.similarity.toFixed(2)}`;
  return e.wouldBeNamed ? `${e.closest.name}${score}` : `closest: ${e.closest.name}${score} (not a match)`;
}

function startSecurity(api: Api): void {
  const rows = byId('security-rows');
  const errorEl = byId('security-error');
  const more = byId<HTMLButtonElement>('security-more');
  const cameraEl = byId<HTMLInputElement>('security-camera');
  let offset = 0;

  const row = (e: SecurityEvent) =>
    h(
      'tr',
      { 'data-security-event': e.id },
      h('td', {}, e.cropUrl ? h('div', { class: 'thumb' }, api.img(e.cropUrl, 'refused face')) : h('span', { class: 'muted' }, '—')),
      h('td', {}, h('time', { datetime: e.at, title: localIso(new Date(e.at)) }, whenText(new Date(e.at)))),
      h('td', { class: 'camera' }, e.camera || h('span', { class: 'muted' }, '(unnamed)')),
      h('td', { class: 'would-be' }, e.closest ? closestText(e) : h('span', { class: 'muted' }, 'nobody enrolled')),
      h('td', { class: 'scores' }, scoresText(e)),
    );

  const load = async (reset: boolean): Promise<void> => {
    if (reset) offset = 0;
    const q = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
    if (cameraEl.value.trim()) q.set('camera', cameraEl.value.trim());
    try {
      const r = await api.get<{ items: SecurityEvent[]; total: number }>(`/api/v1/security-events?${q}`);
      if (reset) rows.replaceChildren();
      rows.append(...r.items.map(row));
      offset += r.items.length;
      byId('security-total').textContent = String(r.total);
      byId('security-empty').hidden = r.total > 0;
      more.hidden = offset >= r.total;
      errorEl.hidden = true;
    } catch (err) {
      errorEl.textContent = err instanceof Error ? err.message : String(err);
      errorEl.hidden = false;
    }
  };

  byId<HTMLFormElement>('security-filters').addEventListener('submit', (e) => {
    e.preventDefault();
    void load(true);
  });
  more.addEventListener('click', () => void load(false));
  void load(true);
}

void boot('security').then(({ api }) => startSecurity(api));
