// /api/v1/mqtt: the broker connection (admin writes; the password is never returned), its live status and
// deliveries, and a test event.
import { z } from '@hono/zod-openapi';
import { redactUrl } from '../outbound/mqtt-link.js';
import type { Outbound } from '../outbound/outbound.js';
import type { IntegrationsRepo, MqttSettings } from '../store/integrations-repo.js';
import type { OutboxRepo } from '../store/outbox-repo.js';
import { resource, type App } from './context.js';
import { ApiError, errorDocs } from './errors.js';
import { DeliveriesQuery, Delivery, DeliveryCounts, Queued, countsByTarget, deliveryJson, noCounts } from './outbound-schemas.js';
import { json, jsonRequest, secured } from './schemas.js';

/** A topic level: MQTT wildcards and the separator are not allowed inside it. */
const TopicLevel = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/, 'letters, digits, _ and -, levels separated by /');
const BrokerUrl = z
  .string()
  .url()
  .max(2000)
  .refine((u) => URL.canParse(u) && /^(mqtts?|wss?|tcp|ssl):$/.test(new URL(u).protocol), 'must be an mqtt://, mqtts://, ws:// or wss:// URL')
  .openapi({ example: 'mqtt://192.168.1.10:1883' });

const Settings = z
  .object({
    enabled: z.boolean(),
    url: z.string().nullable().openapi({ description: 'Without credentials.' }),
    username: z.string().nullable(),
    hasPassword: z.boolean(),
    topicPrefix: z.string(),
    discoveryPrefix: z.string(),
    discovery: z.boolean(),
    status: z.object({ connected: z.boolean(), lastError: z.string().nullable(), connectedAt: z.string().nullable() }),
    deliveries: DeliveryCounts,
  })
  .openapi('MqttSettings');

const Put = z
  .object({
    enabled: z.boolean(),
    url: BrokerUrl,
    username: z.string().max(200).nullable().optional(),
    password: z.string().max(200).nullable().optional().openapi({ description: 'Left out: the stored one is kept; null: removed.' }),
    topicPrefix: TopicLevel.default('facestream'),
    discoveryPrefix: TopicLevel.default('homeassistant'),
    discovery: z.boolean().default(true),
  })
  .strict();

export interface MqttDeps {
  integrations: IntegrationsRepo;
  outbox: OutboxRepo;
  outbound: Pick<Outbound, 'mqttChanged' | 'sendTest' | 'mqtt'>;
}

export function mqttRoutes(deps: MqttDeps): App {
  const app = resource();
  const { integrations: repo, outbox, outbound } = deps;
  const view = async (s: MqttSettings | null) => {
    const st = outbound.mqtt.status();
    const counts = countsByTarget(await outbox.stats()).get('mqtt') ?? noCounts();
    return {
      enabled: s?.enabled ?? false,
      url: s ? redactUrl(s.url) : null,
      username: s?.username ?? null,
      hasPassword: Boolean(s?.password),
      topicPrefix: s?.topicPrefix ?? 'facestream',
      discoveryPrefix: s?.discoveryPrefix ?? 'homeassistant',
      discovery: s?.discovery ?? true,
      status: { connected: st.connected, lastError: st.lastError, connectedAt: st.connectedAt },
      deliveries: counts,
    };
  };

  app.openapi(
    secured('operator', {
      method: 'get',
      path: '/api/v1/mqtt',
      tags: ['mqtt'],
      summary: 'MQTT settings and connection status',
      responses: { 200: json(Settings, 'Never the password') },
    }),
    async (c) => c.json(await view(await repo.mqtt()), 200),
  );

  app.openapi(
    secured('admin', {
      method: 'put',
      path: '/api/v1/mqtt',
      tags: ['mqtt'],
      summary: 'Set the MQTT broker',
      description: 'Reconnects with the new settings. Disabling MQTT gives up its pending deliveries.',
      request: jsonRequest(Put),
      responses: { 200: json(Settings, 'Saved') },
    }),
    async (c) => {
      const b = c.req.valid('json');
      const old = await repo.mqtt();
      // Credentials in the URL move to the username and password fields, so the URL itself can be shown.
      const u = new URL(b.url);
      const username = b.username !== undefined ? b.username : u.username ? decodeURIComponent(u.username) : (old?.username ?? null);
      const password = b.password !== undefined ? b.password : u.password ? decodeURIComponent(u.password) : (old?.password ?? null);
      const saved = await repo.saveMqtt({ ...b, url: redactUrl(b.url), username: username || null, password: password || null });
      await outbound.mqttChanged(saved);
      return c.json(await view(saved), 200);
    },
  );

  app.openapi(
    secured('operator', {
      method: 'get',
      path: '/api/v1/mqtt/deliveries',
      tags: ['mqtt'],
      summary: 'Recent deliveries to the broker',
      request: { query: DeliveriesQuery },
      responses: { 200: json(z.object({ items: z.array(Delivery) }), 'Newest first') },
    }),
    async (c) => c.json({ items: (await outbox.recent(null, c.req.valid('query'))).map(deliveryJson) }, 200),
  );

  app.openapi(
    secured('operator', {
      method: 'post',
      path: '/api/v1/mqtt/test',
      tags: ['mqtt'],
      summary: 'Publish a test event',
      description: 'Published on `<topicPrefix>/test` through the outbox: it waits there while the broker is away.',
      responses: { 202: json(Queued, 'Queued'), ...errorDocs('bad_request') },
    }),
    async (c) => {
      if (!(await repo.mqtt())?.enabled) throw new ApiError('bad_request', 'MQTT is not enabled');
      const o = await outbound.sendTest({ mqtt: true }, c.var.principal.name);
      if (!o.id) throw new ApiError('rate_limited', 'the outbox is full (OUTBOX_MAX_PENDING); try again when deliveries have caught up');
      return c.json({ eventId: o.id, deliveries: o.deliveries }, 202);
    },
  );
  return app;
}
