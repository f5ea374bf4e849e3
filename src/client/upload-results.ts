// The per-photo verdicts of an upload on a person's page, and what the operator can do about a refusal: pick one face
// of a group photo, "use anyway" a view only a soft gate refused, or confirm that a look-alike is someone else (shown
// beside the face it matched). Each choice uploads that one photo again with the choice as a form field.
import { h } from './dom.js';
import type { Api } from './session.js';

export interface FoundFace {
  index: number;
  box: { x: number; y: number; width: number; height: number };
  score: number;
  crop: string;
}

export interface ImageResult {
  file: string;
  status: 'accepted' | 'rejected' | 'skipped';
  code?: string;
  reason?: string;
  faceId?: string;
  faces?: FoundFace[];
  duplicate?: { personId: string; name: string; score: number; faceId: string | null; cropUrl: string | null };
  crop?: string;
  overridden?: { code: string; reason: string }[];
}

/** Gates the operator may overrule (src/server/enrolment/gates.ts SOFT_GATES). */
const SOFT = new Set(['too_small', 'low_confidence', 'not_frontal', 'too_dark', 'too_bright', 'blurry', 'same_view']);

export type Choice = { face?: number; useAnyway?: boolean; allowDuplicate?: boolean };

/** One list item per verdict; `again(file, choice)` re-uploads that photo with the operator's choice. */
export function resultItems(api: Api, results: ImageResult[], again: (file: string, choice: Choice) => void, canChoose: boolean): HTMLElement[] {
  return results.map((v) => {
    const head = [
      h('b', {}, v.status === 'accepted' ? (v.overridden?.length ? '✓ added anyway' : '✓ added') : v.status === 'skipped' ? '– skipped' : '✗ refused'),
      ` ${v.file}`,
      v.reason ? h('span', { class: 'muted' }, ` — ${v.reason}`) : null,
      v.overridden?.length ? h('span', { class: 'muted' }, ` — overruled: ${v.overridden.map((o) => o.reason).join('; ')}`) : null,
    ];
    return h(
      'li',
      { 'data-status': v.status, 'data-code': v.code ?? null, 'data-face-id': v.faceId ?? null },
      ...head,
      canChoose ? actions(api, v, again) : null,
    );
  });
}

function actions(api: Api, v: ImageResult, again: (file: string, choice: Choice) => void): HTMLElement | null {
  if (v.status !== 'rejected') return null;
  if (v.code === 'multiple_faces' && v.faces?.length) {
    return h(
      'div',
      { class: 'face-pick' },
      h('span', { class: 'muted' }, 'Which one is this person?'),
      ...v.faces.map((f) =>
        h(
          'button',
          {
            type: 'button',
            class: 'secondary pick-face',
            'data-face': f.index,
            title: `Enrol face ${f.index + 1}`,
            onclick: () => again(v.file, { face: f.index }),
          },
          h('img', { src: f.crop, alt: `face ${f.index + 1} of ${v.faces!.length}`, width: 64, height: 64 }),
        ),
      ),
    );
  }
  if (v.code === 'duplicate_person' && v.duplicate) {
    const d = v.duplicate;
    return h(
      'div',
      { class: 'duplicate-compare' },
      h('figure', {}, v.crop ? h('img', { src: v.crop, alt: 'this photo', width: 96, height: 96 }) : null, h('figcaption', {}, 'this photo')),
      h(
        'figure',
        {},
        d.cropUrl ? api.img(d.cropUrl, `face of ${d.name}`) : h('span', { class: 'initials' }, '?'),
        h('figcaption', {}, `${d.name} (similarity ${d.score.toFixed(2)})`),
      ),
      h('button', { type: 'button', class: 'secondary allow-duplicate', onclick: () => again(v.file, { allowDuplicate: true }) }, `Not ${d.name}: add anyway`),
    );
  }
  if (v.code && SOFT.has(v.code)) {
    return h(
      'button',
      {
        type: 'button',
        class: 'secondary small use-anyway',
        title: 'Store this view although the gate refused it; the face records that',
        onclick: () => again(v.file, { useAnyway: true }),
      },
      'Use anyway',
    );
  }
  return null;
}
