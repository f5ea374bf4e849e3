// Unknown faces page: sightings grouped when they look alike, with time and camera; "who is this?" makes a new person
// (promote) or adds them to an existing one (attach), or dismisses them. The closest-match score is only a tooltip.
import { byId, h, localDay, timeOfDay, whenText } from './dom.js';
import { ApiError, can, type Api, type Session } from './session.js';
import { boot } from './shell.js';

interface Sighting {
  id: string;
  firstSeenAt: string;
  lastSeenAt: string;
  camera: string;
  bestScore: number | null;
  bestPersonId: string | null;
  cropUrl: string | null;
  group: number;
}
interface PersonRef {
  id: string;
  name: string;
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

function closestText(s: Sighting, people: Map<string, string>, threshold: number | null): string {
  const needs = threshold === null ? '' : `; a match needs ${threshold.toFixed(2)}`;
  if (s.bestScore === null) return 'Not like anyone enrolled';
  const who = s.bestPersonId ? people.get(s.bestPersonId) : undefined;
  return `Closest enrolled person${who ? `: ${who}` : ''}, similarity ${s.bestScore.toFixed(2)}${needs}`;
}

async function startUnknownPage(api: Api, session: Session): Promise<void> {
  const list = byId('groups');
  const errorEl = byId('unknown-error');
  const notice = byId('unknown-notice');
  const operator = can(session, 'operator');
  const say = (el: HTMLElement, m: string) => {
    el.textContent = m;
    el.hidden = m === '';
  };

  const load = async (): Promise<void> => {
    const [sightings, peopleList, index] = await Promise.all([
      api.get<{ items: Sighting[] }>('/api/v1/sightings/grouped?limit=500'),
      api.get<{ items: PersonRef[] }>('/api/v1/library?limit=1000'),
      api.get<{ threshold: number }>('/api/v1/index').catch(() => null),
    ]);
    const people = new Map(peopleList.items.map((p) => [p.id, p.name]));
    const groups = new Map<number, Sighting[]>();
    for (const s of sightings.items) groups.set(s.group, [...(groups.get(s.group) ?? []), s]);
    // The count is of groups (the cards below, one a presumed person), not of sightings: seven visits of one stranger are one.
    const total = byId('unknown-total');
    total.textContent = String(groups.size);
    total.title = `${groups.size} ${groups.size === 1 ? 'group' : 'groups'} of alike faces, ${sightings.items.length} ${sightings.items.length === 1 ? 'sighting' : 'sightings'}`;
    byId('unknown-empty').hidden = sightings.items.length > 0;
    list.replaceChildren(...[...groups.values()].map((members) => groupCard(members, people, index?.threshold ?? null, peopleList.items)));
  };

  const act = async (what: () => Promise<string>): Promise<void> => {
    try {
      say(errorEl, '');
      say(notice, await what());
      await load();
    } catch (err) {
      say(errorEl, err instanceof ApiError && err.code === 'duplicate_name' ? `${err.message}: use "Add to" to add them to that person.` : messageOf(err));
    }
  };

  const groupCard = (members: Sighting[], people: Map<string, string>, threshold: number | null, everyone: PersonRef[]): HTMLElement => {
    const newest = members[0]!;
    const oldest = members[members.length - 1]!;
    const cameras = [...new Set(members.map((m) => m.camera || 'unnamed camera'))].join(', ');
    const first = Date.parse(oldest.firstSeenAt);
    const last = Date.parse(newest.lastSeenAt);
    const day = (ms: number) => (localDay(ms) === localDay(Date.now()) ? 'today' : localDay(ms));
    // Absolute times: "today 09:12–09:40", or "2030-01-02 17:45 – today 09:12" across days.
    const span =
      day(first) === day(last)
        ? `${day(first)} ${timeOfDay(first)}${timeOfDay(last) === timeOfDay(first) ? '' : `–${timeOfDay(last)}`}`
        : `${day(first)} ${timeOfDay(first)} – ${day(last)} ${timeOfDay(last)}`;
    const ids = members.map((m) => m.id);
    const nameInput = h('input', {
      type: 'text',
      maxlength: 100,
      placeholder: 'Name',
      required: true,
      'aria-label': 'Name of the new person',
      class: 'promote-name',
    });
    const select = h(
      'select',
      { 'aria-label': 'Existing person', class: 'attach-to' },
      h('option', { value: '' }, 'Choose a person…'),
      everyone.map((p) => h('option', { value: p.id }, p.name)),
    );
    return h(
      'li',
      { class: 'group-card', 'data-sightings': ids.join(' ') },
      h(
        'div',
        { class: 'crops' },
        members.slice(0, 6).map((m) => {
          const img = m.cropUrl ? api.img(m.cropUrl, 'unknown face') : h('span', { class: 'initials' }, '?');
          return h('span', { class: 'crop', title: `${closestText(m, people, threshold)}\n${m.camera} · ${whenText(Date.parse(m.firstSeenAt))}` }, img);
        }),
        members.length > 6 ? h('span', { class: 'more' }, `+${members.length - 6}`) : null,
      ),
      h('p', { class: 'muted' }, `${members.length === 1 ? 'Seen once' : `Seen ${members.length} times`} · ${cameras} · ${span}`),
      operator
        ? h(
            'div',
            { class: 'group-actions' },
            h(
              'form',
              {
                class: 'inline-form promote-form',
                onsubmit: (e: Event) => {
                  e.preventDefault();
                  const name = nameInput.value.trim();
                  void act(async () => {
                    // The newest view starts the person; the rest of the group joins them.
                    const made = (await api.send<{ personId: string }>('POST', `/api/v1/sightings/${newest.id}/promote`, { name }))!;
                    for (const s of members.slice(1)) await api.send('POST', `/api/v1/sightings/${s.id}/attach`, { personId: made.personId });
                    return `${name} was added with ${members.length} ${members.length === 1 ? 'face' : 'faces'}; cameras recognise them from now on.`;
                  });
                },
              },
              nameInput,
              h('button', { type: 'submit' }, 'New person'),
            ),
            h(
              'form',
              {
                class: 'inline-form attach-form',
                onsubmit: (e: Event) => {
                  e.preventDefault();
                  const personId = select.value;
                  if (!personId) return;
                  void act(async () => {
                    for (const s of members) await api.send('POST', `/api/v1/sightings/${s.id}/attach`, { personId });
                    return `Added ${members.length} ${members.length === 1 ? 'face' : 'faces'} to ${people.get(personId) ?? 'them'}.`;
                  });
                },
              },
              select,
              h('button', { type: 'submit', class: 'secondary' }, 'Add to'),
            ),
            h(
              'button',
              {
                type: 'button',
                class: 'secondary dismiss',
                onclick: () =>
                  void act(async () => {
                    for (const s of members) await api.send('DELETE', `/api/v1/sightings/${s.id}`);
                    return `Dismissed ${members.length} ${members.length === 1 ? 'sighting' : 'sightings'}.`;
                  }),
              },
              'Dismiss',
            ),
          )
        : null,
    );
  };

  try {
    await load();
  } catch (err) {
    say(errorEl, `Could not load sightings: ${messageOf(err)}`);
  }
}

void boot('unknown').then(({ session, api }) => startUnknownPage(api, session));
