// Integrations page: webhooks (add, enable, delete, deliveries, "send test event") and the MQTT broker (settings,
// connection status, "send test event"). Secrets are shown once, when the server makes one.
import { byId, h, whenText } from './dom.js';
import { can, type Api, type Session } from './session.js';
import { boot } from './shell.js';

interface Counts {
  pending: number;
  delivered: number;
  failed: number;
  oldestPendingAt: string | null;
}
interface Webhook {
  id: string;
  name: string;
  url: string;
  secretHint: string;
  eventTypes: string[];
  format: string;
  cameras: string[] | null;
  enabled: boolean;
  deliveries: Counts;
}
interface Delivery {
  eventId: string;
  type: string;
  state: string;
  attempts: number;
  lastError: string | null;
  deliveredAt: string | null;
  createdAt: string;
}
interface Mqtt {
  enabled: boolean;
  url: string | null;
  username: string | null;
  hasPassword: boolean;
  topicPrefix: string;
  discoveryPrefix: string;
  discovery: boolean;
  status: { connected: boolean; lastError: string | null; connectedAt: string | null };
  deliveries: Counts;
}

/**
 * Per format: where its URL comes from, what the URL looks like, and the events a new one of it starts with (the server's
 * defaults for a webhook added without them: DEFAULT_EVENT_TYPES in event-types.ts, CHAT_DEFAULT_EVENT_TYPES in chat-formats.ts).
 */
const CHAT_EVENTS = ['checkin', 'unknown', 'presentation_attack', 'camera.down', 'camera.up'];
const FORMATS: Record<string, { help: string; placeholder: string; events: string[] }> = {
  json: {
    help: 'Each event as signed JSON (docs/api.md, "Webhooks"), for a program of your own or a door lock.',
    placeholder: 'https://example.com/hooks/facestream',
    events: ['checkin', 'recognition', 'unknown', 'presentation_attack', 'camera.down'],
  },
  slack: {
    help: 'A message a line. In Slack: Apps, "Incoming Webhooks", add one to a channel and paste its URL (Mattermost, Rocket.Chat and Google Chat incoming webhooks work too).',
    placeholder: 'https://hooks.slack.com/services/…',
    events: CHAT_EVENTS,
  },
  discord: {
    help: 'A message a line. In Discord: the channel\'s settings, Integrations, Webhooks, "New Webhook", "Copy Webhook URL".',
    placeholder: 'https://discord.com/api/webhooks/…',
    events: CHAT_EVENTS,
  },
  telegram: {
    help: "A message a line. Make a bot with @BotFather, add it to the chat, and give its token and the chat's id in the URL.",
    placeholder: 'https://api.telegram.org/bot<token>/sendMessage?chat_id=<chat id>',
    events: CHAT_EVENTS,
  },
  ntfy: {
    help: 'A notification on the phones subscribed to an ntfy topic (ntfy.sh or your own server; user:password@ in the URL if it needs one).',
    placeholder: 'https://ntfy.sh/<topic>',
    events: CHAT_EVENTS,
  },
};
const FORMAT_LABELS: Record<string, string> = { json: 'JSON', slack: 'Slack', discord: 'Discord', telegram: 'Telegram', ntfy: 'ntfy' };

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));
const input = (id: string) => byId<HTMLInputElement>(id);

async function startIntegrationsPage(api: Api, session: Session): Promise<void> {
  const admin = can(session, 'admin');
  const say = (el: HTMLElement, m: string) => {
    el.textContent = m;
    el.hidden = m === '';
  };
  const act = async (what: () => Promise<string>): Promise<void> => {
    try {
      say(byId('integrations-error'), '');
      say(byId('integrations-notice'), await what());
      await load();
    } catch (err) {
      say(byId('integrations-error'), messageOf(err));
    }
  };

  const showDeliveries = async (w: Webhook): Promise<void> => {
    const { items } = await api.get<{ items: Delivery[] }>(`/api/v1/webhooks/${w.id}/deliveries?limit=20`);
    byId('deliveries-title').textContent = `Recent deliveries to ${w.name}`;
    byId('deliveries-table')
      .querySelector('tbody')!
      .replaceChildren(
        ...items.map((d) =>
          h(
            'tr',
            { 'data-state': d.state },
            h('td', { title: d.eventId }, d.type),
            h('td', {}, d.state),
            h('td', { class: 'num' }, d.attempts),
            h('td', {}, d.lastError ?? ''),
            h('td', {}, whenText(Date.parse(d.deliveredAt ?? d.createdAt))),
          ),
        ),
      );
    byId('deliveries').hidden = false;
  };

  const row = (w: Webhook): HTMLElement =>
    h(
      'tr',
      { 'data-id': w.id },
      h('td', {}, w.name, w.enabled ? '' : h('span', { class: 'muted' }, ' (disabled)')),
      h(
        'td',
        { class: 'url', title: w.format === 'json' ? `secret ${w.secretHint}` : '' },
        w.format === 'json' ? '' : `${FORMAT_LABELS[w.format] ?? w.format}: `,
        w.url,
      ),
      h('td', {}, w.eventTypes.join(', '), w.cameras ? h('span', { class: 'muted' }, ` (only ${w.cameras.join(', ')})`) : ''),
      h('td', { class: 'num' }, w.deliveries.delivered),
      h('td', { class: 'num' }, w.deliveries.pending),
      h('td', { class: 'num' }, w.deliveries.failed),
      h(
        'td',
        { class: 'buttons' },
        h(
          'button',
          {
            type: 'button',
            class: 'small test',
            disabled: !w.enabled,
            onclick: () => void act(async () => (await api.send('POST', `/api/v1/webhooks/${w.id}/test`), `Test event queued for ${w.name}.`)),
          },
          'Send test event',
        ),
        w.eventTypes.includes('attendance.summary') &&
          h(
            'button',
            {
              type: 'button',
              class: 'small secondary summary',
              disabled: !w.enabled,
              onclick: () => void act(async () => (await api.send('POST', `/api/v1/webhooks/${w.id}/summary`), `Today's summary so far queued for ${w.name}.`)),
            },
            "Send today's summary",
          ),
        h(
          'button',
          { type: 'button', class: 'small secondary', onclick: () => void showDeliveries(w).catch((e) => say(byId('integrations-error'), messageOf(e))) },
          'Deliveries',
        ),
        admin && h('button', { type: 'button', class: 'small secondary', onclick: () => startEdit(w) }, 'Edit'),
        admin &&
          h(
            'button',
            {
              type: 'button',
              class: 'small secondary',
              onclick: () =>
                void act(
                  async () => (
                    await api.send('PATCH', `/api/v1/webhooks/${w.id}`, { enabled: !w.enabled }),
                    `${w.name} ${w.enabled ? 'disabled' : 'enabled'}.`
                  ),
                ),
            },
            w.enabled ? 'Disable' : 'Enable',
          ),
        admin &&
          h(
            'button',
            {
              type: 'button',
              class: 'small danger',
              onclick: () =>
                void (
                  confirm(`Delete the webhook ${w.name}?`) && act(async () => (await api.send('DELETE', `/api/v1/webhooks/${w.id}`), `${w.name} deleted.`))
                ),
            },
            'Delete',
          ),
      ),
    );

  const load = async (): Promise<void> => {
    const [hooks, mqtt, policies] = await Promise.all([
      api.get<{ items: Webhook[] }>('/api/v1/webhooks'),
      api.get<Mqtt>('/api/v1/mqtt'),
      api.get<{ items: { camera: string }[] }>('/api/v1/camera-policies'),
    ]);
    // The cameras the server knows (its own and those seen sending frames) as suggestions for "Only from cameras".
    byId('webhook-camera-names').replaceChildren(...policies.items.filter((p) => p.camera !== '').map((p) => h('option', { value: p.camera })));
    byId('webhooks')
      .querySelector('tbody')!
      .replaceChildren(...hooks.items.map(row));
    byId('webhooks-empty').hidden = hooks.items.length > 0;
    const st = mqtt.status;
    byId('mqtt-status').textContent = !mqtt.enabled
      ? 'MQTT is off.'
      : st.connected
        ? `Connected to ${mqtt.url} since ${whenText(Date.parse(st.connectedAt!))}. ${mqtt.deliveries.pending} waiting, ${mqtt.deliveries.delivered} delivered.`
        : `Not connected to ${mqtt.url}${st.lastError ? ` (${st.lastError})` : ''}; ${mqtt.deliveries.pending} events waiting.`;
    byId('mqtt-status').dataset.connected = String(st.connected);
    if (document.activeElement?.closest('#mqtt-form')) return; // do not overwrite what is being typed
    input('mqtt-enabled').checked = mqtt.enabled;
    input('mqtt-url').value = mqtt.url ?? '';
    input('mqtt-username').value = mqtt.username ?? '';
    input('mqtt-password').placeholder = mqtt.hasPassword ? 'unchanged' : '';
    input('mqtt-prefix').value = mqtt.topicPrefix;
    input('mqtt-discovery-prefix').value = mqtt.discoveryPrefix;
    input('mqtt-discovery').checked = mqtt.discovery;
    byId<HTMLButtonElement>('mqtt-test').disabled = !mqtt.enabled;
  };

  const formatSelect = byId<HTMLSelectElement>('webhook-format');
  const showFormat = (): void => {
    const f = FORMATS[formatSelect.value] ?? FORMATS.json!;
    byId('webhook-format-help').textContent = f.help;
    input('webhook-url').placeholder = f.placeholder;
    byId('webhook-secret-label').hidden = formatSelect.value !== 'json'; // chat services do not check a signature
    for (const box of byId('webhook-types').querySelectorAll<HTMLInputElement>('input')) box.checked = f.events.includes(box.value);
  };
  formatSelect.addEventListener('change', showFormat);
  showFormat();

  // Editing fills the same form. The URL is shown masked (a chat's URL is its password), so it stays as it is unless a
  // new one is typed; the format goes with the URL and is not changed here.
  let editing: Webhook | null = null;
  const setEditing = (w: Webhook | null): void => {
    editing = w;
    const form = byId('webhook-form') as HTMLFormElement;
    form.reset();
    formatSelect.value = w?.format ?? 'json';
    showFormat();
    formatSelect.disabled = w !== null;
    input('webhook-url').required = w === null;
    byId('webhook-form-title').textContent = w ? `Change ${w.name}` : 'Add a chat or a webhook';
    byId('webhook-add').textContent = w ? 'Save changes' : 'Add webhook';
    byId('webhook-cancel').hidden = w === null;
    if (!w) return;
    input('webhook-name').value = w.name;
    input('webhook-url').placeholder = `unchanged: ${w.url}`;
    input('webhook-cameras').value = (w.cameras ?? []).join(', ');
    byId('webhook-secret-label').hidden = true; // "Rotate" is the API's (rotateSecret); the page never shows a secret again
    for (const box of byId('webhook-types').querySelectorAll<HTMLInputElement>('input')) box.checked = w.eventTypes.includes(box.value);
    form.scrollIntoView({ block: 'nearest' });
  };
  const startEdit = (w: Webhook): void => setEditing(w);
  byId('webhook-cancel').addEventListener('click', () => setEditing(null));

  byId('webhook-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const eventTypes = [...byId('webhook-types').querySelectorAll<HTMLInputElement>('input:checked')].map((i) => i.value);
    const format = formatSelect.value;
    // "Front door, Gate": labels as typed, without the spaces around the commas.
    const cameras = input('webhook-cameras')
      .value.split(',')
      .map((c) => c.trim())
      .filter((c) => c !== '');
    const secret = format === 'json' ? input('webhook-secret').value.trim() : '';
    const url = input('webhook-url').value.trim();
    const changing = editing;
    if (changing) {
      void act(async () => {
        await api.send('PATCH', `/api/v1/webhooks/${changing.id}`, {
          name: input('webhook-name').value,
          eventTypes,
          cameras: cameras.length > 0 ? cameras : null,
          ...(url ? { url } : {}),
        });
        setEditing(null);
        return `${changing.name} saved.`;
      });
      return;
    }
    void act(async () => {
      const made = await api.send<{ name: string; secret: string }>('POST', '/api/v1/webhooks', {
        name: input('webhook-name').value,
        url,
        format,
        eventTypes,
        ...(cameras.length > 0 ? { cameras } : {}),
        ...(secret ? { secret } : {}),
      });
      (byId('webhook-form') as HTMLFormElement).reset();
      showFormat();
      return format === 'json'
        ? `${made!.name} added. Its signing secret, shown only now: ${made!.secret}`
        : `${made!.name} added. "Send test event" posts a test message there.`;
    });
  });

  byId('mqtt-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const password = input('mqtt-password').value;
    void act(async () => {
      const saved = await api.send<Mqtt>('PUT', '/api/v1/mqtt', {
        enabled: input('mqtt-enabled').checked,
        url: input('mqtt-url').value.trim(),
        username: input('mqtt-username').value.trim() || null,
        ...(password ? { password } : {}),
        topicPrefix: input('mqtt-prefix').value.trim(),
        discoveryPrefix: input('mqtt-discovery-prefix').value.trim(),
        discovery: input('mqtt-discovery').checked,
      });
      input('mqtt-password').value = '';
      (document.activeElement as HTMLElement | null)?.blur();
      return saved!.enabled ? 'MQTT saved; connecting.' : 'MQTT saved (off).';
    });
  });
  byId('mqtt-test').addEventListener('click', () => void act(async () => (await api.send('POST', '/api/v1/mqtt/test'), 'Test event queued for MQTT.')));

  await load();
  setInterval(() => void load().catch(() => {}), 3000);
}

void boot('integrations').then(({ api, session }) => startIntegrationsPage(api, session));
