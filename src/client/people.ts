// People library page: a searchable grid of people (thumbnail, face count, last seen); a person's page with every
// stored face crop, remove a face, add photos by upload or drag-and-drop (per-image verdicts, and the operator's choice
// on a refusal: upload-results.ts), rename, delete, merge.
// Every change goes through REST, which tells the gallery and every live camera at once.
import { byId, h, whenText } from './dom.js';
import { ApiError, can, type Api, type Session } from './session.js';
import { boot } from './shell.js';
import { resultItems, type Choice, type ImageResult } from './upload-results.js';
import { renderRecognitions } from './recognition-history.js';

interface PersonOverview {
  id: string;
  name: string;
  faces: number;
  createdAt: string;
  thumbnailUrl: string | null;
  lastSeenAt: string | null;
  /** Faces that want the person enrolled again (another model's, or moved from a small stored crop). */
  enrolAgain: number;
}
interface Face {
  id: string;
  /** The embedding model the face was embedded with. */
  modelId: string;
  quality: number | null;
  createdAt: string;
  cropUrl: string | null;
  overridden: { code: string; reason: string }[] | null;
  /** Why the face should be enrolled again (moved to this model from a stored crop too small for it), or null. */
  reenrol: string | null;
}

const show = (el: HTMLElement, message: string): void => {
  el.textContent = message;
  el.hidden = message === '';
};
const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

function thumb(api: Api, url: string | null, name: string): HTMLElement {
  if (url) return api.img(url, name);
  const initials = name
    .split(/\s+/)
    .map((w) => w[0] ?? '')
    .join('')
    .slice(0, 2)
    .toUpperCase();
  return h('span', { class: 'initials', 'aria-hidden': 'true' }, initials);
}

function lastSeen(p: PersonOverview): string {
  return p.lastSeenAt ? `last seen ${whenText(Date.parse(p.lastSeenAt))}` : 'not seen yet';
}

async function libraryView(api: Api, session: Session): Promise<void> {
  byId('library').hidden = false;
  const grid = byId('people-grid');
  const search = byId<HTMLInputElement>('search');
  const errorEl = byId('library-error');
  // The Status page links here to list only the people whose faces want them enrolled again.
  const onlyEnrolAgain = new URLSearchParams(location.search).get('enrolAgain') === '1';
  byId('enrol-again-filter').hidden = !onlyEnrolAgain;
  let seq = 0;
  const load = async (): Promise<void> => {
    const mine = ++seq;
    const q = search.value.trim();
    try {
      const r = await api.get<{ items: PersonOverview[]; total: number }>(
        `/api/v1/library?limit=1000${q ? `&q=${encodeURIComponent(q)}` : ''}${onlyEnrolAgain ? '&enrolAgain=true' : ''}`,
      );
      if (mine !== seq) return; // a newer search is on its way
      show(errorEl, '');
      byId('people-total').textContent = String(r.total);
      byId('people-empty').hidden = r.total > 0 || q !== '' || onlyEnrolAgain;
      grid.replaceChildren(
        ...r.items.map((p) =>
          h(
            'li',
            { class: 'person-card', 'data-person-id': p.id },
            h('a', { href: `/people.html?id=${p.id}` }, h('div', { class: 'thumb' }, thumb(api, p.thumbnailUrl, p.name)), h('span', { class: 'name' }, p.name)),
            h('span', { class: 'muted' }, `${p.faces} ${p.faces === 1 ? 'face' : 'faces'} · ${lastSeen(p)}`),
            p.enrolAgain > 0
              ? h(
                  'span',
                  { class: 'warn enrol-again', title: 'Faces made by another model, or moved to this one from a small stored crop: see their page' },
                  `Enrol again: ${p.enrolAgain} ${p.enrolAgain === 1 ? 'face' : 'faces'}`,
                )
              : null,
          ),
        ),
      );
    } catch (err) {
      show(errorEl, `Could not load people: ${messageOf(err)}`);
    }
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => void load(), 200);
  });
  if (can(session, 'operator')) {
    byId('create-person').addEventListener('submit', async (e) => {
      e.preventDefault();
      const input = byId<HTMLInputElement>('new-name');
      try {
        const p = await api.send<{ id: string }>('POST', '/api/v1/people', { name: input.value.trim() });
        location.href = `/people.html?id=${p!.id}`;
      } catch (err) {
        show(errorEl, err instanceof ApiError && err.code === 'duplicate_name' ? `"${input.value.trim()}" already exists.` : messageOf(err));
      }
    });
  }
  await load();
}

async function personView(api: Api, session: Session, id: string): Promise<void> {
  byId('person').hidden = false;
  const errorEl = byId('person-error');
  const notice = byId('person-notice');
  const facesEl = byId('faces');
  const operator = can(session, 'operator');

  const loadPerson = async (): Promise<PersonOverview | null> => {
    try {
      const person = await api.get<PersonOverview>(`/api/v1/people/${id}`);
      // The library entry adds the thumbnail and last seen.
      const lib = await api.get<{ items: PersonOverview[] }>(`/api/v1/library?limit=1000&q=${encodeURIComponent(person.name)}`);
      return lib.items.find((p) => p.id === id) ?? { ...person, thumbnailUrl: null, lastSeenAt: null };
    } catch (err) {
      show(errorEl, err instanceof ApiError && err.status === 404 ? 'This person does not exist (any more).' : messageOf(err));
      return null;
    }
  };

  const render = async (): Promise<void> => {
    const person = await loadPerson();
    if (!person) return;
    document.title = `${person.name} · Facestream`;
    byId('person-name').textContent = person.name;
    byId('person-meta').textContent =
      `${person.faces} ${person.faces === 1 ? 'face' : 'faces'} · ${lastSeen(person)} · added ${whenText(Date.parse(person.createdAt))}`;
    byId('person-thumb').replaceChildren(thumb(api, person.thumbnailUrl, person.name));
    byId<HTMLInputElement>('rename-input').value = person.name;
    const [faces, serverModel] = await Promise.all([
      api.get<{ items: Face[] }>(`/api/v1/people/${id}/faces`).then((r) => r.items),
      api.get<{ modelId: string }>('/api/v1/index').then(
        (r) => r.modelId,
        () => null,
      ),
    ]);
    byId('face-count').textContent = String(faces.length);
    facesEl.replaceChildren(
      ...faces.map((f) =>
        h(
          'li',
          { class: 'face', 'data-face-id': f.id },
          f.cropUrl ? api.img(f.cropUrl, `face of ${person.name}`) : h('span', { class: 'initials' }, '?'),
          h('span', { class: 'muted' }, `${f.quality === null ? '' : `quality ${f.quality.toFixed(2)} · `}${whenText(Date.parse(f.createdAt))}`),
          h('span', { class: 'muted face-model', title: 'The embedding model this face was embedded with' }, f.modelId),
          // The server re-embeds faces of another model from their stored crops when it starts; one still under another
          // model could not be (no crop, or one that does not fit): it is not searched until the person is enrolled again.
          serverModel && f.modelId !== serverModel
            ? h(
                'span',
                { class: 'warn stale-face' },
                `Not searched: made by another model, and its stored crop cannot be re-embedded for ${serverModel}. Add a new photo or enrol them at the camera again.`,
              )
            : null,
          f.reenrol
            ? h(
                'span',
                { class: 'warn reenrol-face', title: f.reenrol },
                'Enrol again for full accuracy: this face moved to the new model from a small stored crop. It still matches, less reliably. Add a new photo or enrol them at the camera, then remove this face.',
              )
            : null,
          f.overridden?.length
            ? h(
                'span',
                { class: 'muted overridden', title: f.overridden.map((o) => o.reason).join('\n') },
                `used anyway: ${f.overridden.map((o) => o.code).join(', ')}`,
              )
            : null,
          operator
            ? h(
                'button',
                {
                  type: 'button',
                  class: 'secondary small remove-face',
                  title: 'Remove this face: it is not them, or a bad view',
                  onclick: () => void removeFace(f.id),
                },
                'Not them',
              )
            : null,
        ),
      ),
    );
    if (faces.length === 0) facesEl.append(h('li', { class: 'empty' }, 'No faces yet: add photos below, or enrol at the camera.'));
    await renderRecognitions(api, {
      personId: id,
      name: person.name,
      operator,
      list: byId('recognitions'),
      count: byId('recognition-count'),
      say: (m) => show(notice, m),
      changed: render,
    });
  };

  const removeFace = async (faceId: string): Promise<void> => {
    try {
      await api.send('DELETE', `/api/v1/faces/${faceId}`);
      show(notice, 'Face removed: cameras stop matching it from the next frame.');
      await render();
    } catch (err) {
      show(errorEl, `Could not remove the face: ${messageOf(err)}`);
    }
  };

  const upload = async (files: File[], choice: Choice = {}): Promise<void> => {
    const images = files.filter((f) => f.type.startsWith('image/') || /\.(jpe?g|png|webp)$/i.test(f.name));
    if (images.length === 0) return show(errorEl, 'Drop image files (JPEG, PNG or WebP).');
    const form = new FormData();
    for (const f of images) form.append('images', f, f.name);
    if (choice.face !== undefined) form.append('face', String(choice.face));
    if (choice.useAnyway) form.append('useAnyway', 'true');
    if (choice.allowDuplicate) form.append('allowDuplicate', 'true');
    // A choice on a refused photo uploads that photo again: keep the files of this upload by name.
    const byName = new Map(images.map((f) => [f.name, f]));
    const again = (file: string, c: Choice) => {
      const f = byName.get(file);
      if (f) void upload([f], c);
    };
    const results = byId('upload-results');
    results.replaceChildren(h('li', { class: 'muted' }, `Checking ${images.length} ${images.length === 1 ? 'photo' : 'photos'}…`));
    try {
      const r = await api.upload<{ accepted: number; rejected: number; results: ImageResult[] }>(`/api/v1/people/${id}/faces`, form);
      results.replaceChildren(...resultItems(api, r.results, again, operator));
      show(notice, `${r.accepted} added, ${r.rejected} refused.`);
      await render();
    } catch (err) {
      results.replaceChildren();
      show(errorEl, `Upload failed: ${messageOf(err)}`);
    }
  };

  if (operator) {
    const input = byId<HTMLInputElement>('upload');
    input.addEventListener('change', () => {
      void upload([...(input.files ?? [])]);
      input.value = '';
    });
    const zone = byId('dropzone');
    zone.addEventListener('dragover', (e) => {
      e.preventDefault();
      zone.dataset.over = 'true';
    });
    zone.addEventListener('dragleave', () => delete zone.dataset.over);
    zone.addEventListener('drop', (e) => {
      e.preventDefault();
      delete zone.dataset.over;
      void upload([...(e.dataTransfer?.files ?? [])]);
    });

    byId('rename-form').addEventListener('submit', async (e) => {
      e.preventDefault();
      const name = byId<HTMLInputElement>('rename-input').value.trim();
      try {
        await api.send('PATCH', `/api/v1/people/${id}`, { name });
        show(notice, `Renamed to ${name}.`);
        await render();
      } catch (err) {
        show(errorEl, err instanceof ApiError && err.code === 'duplicate_name' ? `Someone is already called "${name}": merge instead.` : messageOf(err));
      }
    });
    byId('delete-person').addEventListener('click', async () => {
      const name = byId('person-name').textContent ?? '';
      if (!confirm(`Delete ${name} and all their faces and check-ins? This cannot be undone.`)) return;
      try {
        await api.send('DELETE', `/api/v1/people/${id}`);
        location.href = '/people.html';
      } catch (err) {
        show(errorEl, messageOf(err));
      }
    });

    const select = byId<HTMLSelectElement>('merge-from');
    const others = (await api.get<{ items: PersonOverview[] }>('/api/v1/library?limit=1000')).items.filter((p) => p.id !== id);
    select.append(...others.map((p) => h('option', { value: p.id }, `${p.name} (${p.faces} ${p.faces === 1 ? 'face' : 'faces'})`)));
    byId('merge-form').addEventListener('submit', async (e) => {
      e.preventDefault();
      const from = others.find((p) => p.id === select.value);
      if (!from) return;
      const into = byId('person-name').textContent ?? '';
      if (!confirm(`Merge ${from.name} into ${into}? ${from.name}'s faces and check-ins move to ${into}, and ${from.name} is deleted.`)) return;
      try {
        const r = await api.send<{ movedFaces: number; movedCheckIns: number }>('POST', `/api/v1/people/${id}/merge`, { from: from.id });
        select.querySelector(`option[value="${from.id}"]`)?.remove();
        show(notice, `Merged ${from.name}: ${r!.movedFaces} faces and ${r!.movedCheckIns} check-ins moved here.`);
        await render();
      } catch (err) {
        show(errorEl, `Merge failed: ${messageOf(err)}`);
      }
    });
  }
  await render();
}

void boot('people').then(({ session, api }) => {
  const id = new URLSearchParams(location.search).get('id');
  return id ? personView(api, session, id) : libraryView(api, session);
});
