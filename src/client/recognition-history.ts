// The person page's recent recognitions: each time a camera named them, with the face it saw, camera, score and time.
// "Not them" removes a wrong one (it never becomes a face), with an "Undo" toast while the server still keeps it
// (RECOGNITIONS_UNDO_MS); "Add to faces" makes a good one of their faces.
import { h, whenText } from './dom.js';
import type { Api } from './session.js';

interface Recognition {
  id: string;
  camera: string;
  at: string;
  score: number;
  cropUrl: string | null;
}

/** How long the toast offers "Undo", ms; the server allows it for RECOGNITIONS_UNDO_MS (10 min by default). */
const TOAST_MS = 15_000;
let toastTimer: ReturnType<typeof setTimeout> | undefined;

/** A toast at the bottom of the screen: `text` and an Undo button, gone after TOAST_MS or `until`, whichever is first. */
function undoToast(text: string, until: number, undo: () => Promise<void>): void {
  document.getElementById('undo-toast')?.remove();
  clearTimeout(toastTimer);
  const toast = h(
    'div',
    { id: 'undo-toast', class: 'toast', role: 'status' },
    h('span', {}, text),
    h(
      'button',
      {
        type: 'button',
        class: 'small undo',
        onclick: () => {
          toast.remove();
          void undo();
        },
      },
      'Undo',
    ),
  );
  document.body.append(toast);
  toastTimer = setTimeout(() => toast.remove(), Math.max(0, Math.min(TOAST_MS, until - Date.now())));
}

export async function renderRecognitions(
  api: Api,
  opts: { personId: string; name: string; operator: boolean; list: HTMLElement; count: HTMLElement; say: (m: string) => void; changed: () => Promise<void> },
): Promise<void> {
  const { items, total } = await api.get<{ items: Recognition[]; total: number }>(`/api/v1/recognitions?personId=${opts.personId}&limit=60`);
  opts.count.textContent = String(total);
  const act = async (what: () => Promise<unknown>, done: string) => {
    try {
      await what();
      opts.say(done);
      await opts.changed();
    } catch (err) {
      opts.say(`Could not do that: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  opts.list.replaceChildren(
    ...items.map((r) =>
      h(
        'li',
        { class: 'face', 'data-recognition-id': r.id },
        r.cropUrl ? api.img(r.cropUrl, `${opts.name} on ${r.camera || 'a camera'}`) : h('span', { class: 'initials' }, '?'),
        h(
          'span',
          { class: 'muted', title: `similarity ${r.score.toFixed(3)}` },
          `${r.camera || 'unnamed camera'} · ${r.score.toFixed(2)} · ${whenText(Date.parse(r.at))}`,
        ),
        opts.operator &&
          h(
            'span',
            { class: 'buttons' },
            h(
              'button',
              {
                type: 'button',
                class: 'small add-recognition',
                title: 'A good view of them: keep it as one of their faces',
                onclick: () =>
                  void act(
                    () => api.send('POST', `/api/v1/recognitions/${r.id}/add-to-person`),
                    `Added to ${opts.name}'s faces: cameras match it from the next frame.`,
                  ),
              },
              'Add to faces',
            ),
            h(
              'button',
              {
                type: 'button',
                class: 'small secondary not-them',
                title: 'This is not them: remove it (it never becomes one of their faces)',
                onclick: () =>
                  void act(async () => {
                    const removed = await api.send<{ undoUntil: string }>('DELETE', `/api/v1/recognitions/${r.id}`);
                    undoToast(`Not ${opts.name}: removed.`, removed ? Date.parse(removed.undoUntil) : 0, () =>
                      act(() => api.send('POST', `/api/v1/recognitions/${r.id}/restore`), 'Restored to the recent recognitions.'),
                    );
                  }, 'Removed from the recent recognitions.'),
              },
              'Not them',
            ),
          ),
      ),
    ),
  );
  if (items.length === 0) opts.list.append(h('li', { class: 'empty' }, 'No recent recognitions: they appear here when a camera names them.'));
}
