// Cameras page: the cameras the server pulls itself (RTSP, MJPEG over HTTP, a local device). Operators add, edit,
// enable, disable and delete them; everyone sees each one's state, frame rates, last error and the names it saw.
// A URL's password is never sent back by the server: editing keeps it unless a new URL with credentials is typed.
import { namesList, ratesText, statePill, type Camera } from './camera-list.js';
import { byId, h } from './dom.js';
import { can, type Api, type Session } from './session.js';
import { boot } from './shell.js';

interface CameraLivePolicy {
  camera: string;
  requireLive: boolean;
  own: boolean | null;
  kind: 'server' | 'browser';
}

/** How often the table's statuses are read again, ms. */
const REFRESH_MS = 2000;

function startCameras(api: Api, session: Session): void {
  const form = byId<HTMLFormElement>('camera-form');
  const nameEl = byId<HTMLInputElement>('camera-name');
  const urlEl = byId<HTMLInputElement>('camera-url');
  const fpsEl = byId<HTMLInputElement>('camera-fps');
  const enabledEl = byId<HTMLInputElement>('camera-enabled');
  const submitEl = byId<HTMLButtonElement>('camera-submit');
  const cancelEl = byId<HTMLButtonElement>('camera-cancel');
  const formError = byId('camera-form-error');
  const listError = byId('cameras-error');
  const operator = can(session, 'operator');
  let editing: Camera | null = null;

  const showError = (el: HTMLElement, err: unknown) => {
    el.textContent = err instanceof Error ? err.message : String(err);
    el.hidden = false;
  };
  const resetForm = () => {
    editing = null;
    form.reset();
    fpsEl.value = '5';
    enabledEl.checked = true;
    submitEl.textContent = 'Add camera';
    cancelEl.hidden = true;
    formError.hidden = true;
  };

  const act = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
      listError.hidden = true;
      await refresh();
    } catch (err) {
      showError(listError, err);
    }
  };

  const row = (c: Camera) =>
    h(
      'tr',
      { 'data-camera-id': c.id, 'data-camera-name': c.name },
      h('td', {}, h('strong', {}, c.name), h('div', { class: 'muted small-text' }, c.url)),
      h('td', {}, statePill(c.status), h('div', { class: 'muted small-text' }, ratesText(c.status))),
      h('td', { class: 'num' }, `${c.maxFps}`),
      h('td', {}, namesList(c.status, 3)),
      h(
        'td',
        { class: 'camera-error' },
        c.status.lastError ? h('span', { title: c.status.ffmpegLog.join('\n') }, c.status.lastError) : h('span', { class: 'muted' }, '—'),
        c.status.reconnects > 0 ? h('div', { class: 'muted small-text' }, `${c.status.reconnects} reconnects`) : null,
      ),
      operator
        ? h(
            'td',
            { class: 'actions' },
            h(
              'button',
              {
                type: 'button',
                class: 'secondary small',
                'data-action': 'toggle',
                onclick: () => void act(() => api.send('PATCH', `/api/v1/cameras/${c.id}`, { enabled: !c.enabled })),
              },
              c.enabled ? 'Disable' : 'Enable',
            ),
            h('button', { type: 'button', class: 'secondary small', 'data-action': 'edit', onclick: () => edit(c) }, 'Edit'),
            h(
              'button',
              {
                type: 'button',
                class: 'danger small',
                'data-action': 'delete',
                onclick: () => {
                  if (confirm(`Delete camera "${c.name}"? Its check-ins stay.`)) void act(() => api.send('DELETE', `/api/v1/cameras/${c.id}`));
                },
              },
              'Delete',
            ),
          )
        : null,
    );

  const edit = (c: Camera) => {
    editing = c;
    nameEl.value = c.name;
    urlEl.value = c.url;
    fpsEl.value = String(c.maxFps);
    enabledEl.checked = c.enabled;
    submitEl.textContent = 'Save';
    cancelEl.hidden = false;
    nameEl.focus();
  };

  async function refresh(): Promise<void> {
    try {
      const { items } = await api.get<{ items: Camera[] }>('/api/v1/cameras');
      byId('camera-rows').replaceChildren(...items.map(row));
      byId('cameras-empty').hidden = items.length > 0;
    } catch (err) {
      showError(listError, err);
    }
  }

  // ---- Liveness policy per camera (server cameras by name, browser cameras by the label they send) ----
  const policyError = byId('policies-error');
  const policyLabel = (p: CameraLivePolicy) => (p.own === null ? `default (${defaultLive ? 'required' : 'off'})` : p.own ? 'required' : 'off');
  let defaultLive = false;
  const setPolicy = (camera: string, requireLive: boolean | null) =>
    api
      .send('PUT', '/api/v1/camera-policies', { camera, requireLive })
      .then(() => {
        policyError.hidden = true;
        return refreshPolicies();
      })
      .catch((err: unknown) => showError(policyError, err));
  const policyRow = (p: CameraLivePolicy) => {
    const choice = p.own === null ? 'default' : p.own ? 'on' : 'off';
    const select = h(
      'select',
      { 'aria-label': `Require liveness on ${p.camera || '(unnamed)'}`, 'data-camera': p.camera, disabled: operator ? null : true },
      h('option', { value: 'default', selected: choice === 'default' || null }, `Default (${defaultLive ? 'required' : 'off'})`),
      h('option', { value: 'on', selected: choice === 'on' || null }, 'Required'),
      h('option', { value: 'off', selected: choice === 'off' || null }, 'Off'),
    ) as HTMLSelectElement;
    select.addEventListener('change', () => void setPolicy(p.camera, select.value === 'default' ? null : select.value === 'on'));
    return h(
      'tr',
      { 'data-policy-camera': p.camera, 'data-require-live': String(p.requireLive) },
      h('td', {}, p.camera || h('span', { class: 'muted' }, '(unnamed)')),
      h('td', {}, p.kind === 'server' ? 'server' : 'browser'),
      h('td', { title: policyLabel(p) }, select),
    );
  };
  let shownPolicies = '';
  async function refreshPolicies(): Promise<void> {
    try {
      const r = await api.get<{ defaultRequireLive: boolean; items: CameraLivePolicy[] }>('/api/v1/camera-policies');
      // Redrawn only when something changed (a camera added or seen, a policy set), so an open menu is not replaced.
      const json = JSON.stringify(r);
      if (json === shownPolicies) return;
      shownPolicies = json;
      defaultLive = r.defaultRequireLive;
      byId('policy-rows').replaceChildren(...r.items.map(policyRow));
    } catch (err) {
      showError(policyError, err);
    }
  }
  byId<HTMLFormElement>('policy-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = byId<HTMLInputElement>('policy-camera');
    void setPolicy(input.value.trim(), true).then(() => (input.value = ''));
  });
  void refreshPolicies();

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const body = { name: nameEl.value.trim(), url: urlEl.value.trim(), maxFps: Number(fpsEl.value), enabled: enabledEl.checked };
    void (async () => {
      try {
        if (editing) await api.send('PATCH', `/api/v1/cameras/${editing.id}`, body);
        else await api.send('POST', '/api/v1/cameras', body);
        resetForm();
        await refresh();
      } catch (err) {
        showError(formError, err);
      }
    })();
  });
  cancelEl.addEventListener('click', resetForm);
  resetForm();
  void refresh();
  setInterval(() => void refresh().then(refreshPolicies), REFRESH_MS);
}

void boot('cameras').then(({ api, session }) => startCameras(api, session));
