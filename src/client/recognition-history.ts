// The person page's recent recognitions: each time a camera named them, with the face it saw, camera, score and time.
// "Not them" removes a wrong one (it never becomes a face); "Add to faces" makes a good one of their faces.
import { h, whenText } from './dom.js';
import type { Api } from './session.js';

interface Recognition {
  id: string;
  camera: string;
  at: string;
  score: number;
  cropUrl: string | null;
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
                onclick: () => void act(() => api.send('DELETE', `/api/v1/recognitions/${r.id}`), 'Removed from the recent recognitions.'),
              },
              'Not them',
            ),
          ),
      ),
    ),
  );
  if (items.length === 0) opts.list.append(h('li', { class: 'empty' }, 'No recent recognitions: they appear here when a camera names them.'));
}
