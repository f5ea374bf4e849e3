// /api/v1/webhooks: endpoints that get events as signed JSON POSTs or chat messages (chat-formats.ts; admin writes,
// operators watch and test), their deliveries from the outbox, and a test event. The secret is shown once, when it is set.
import { z } from '@hono/zod-openapi';
import { summaryEvent } from '../attendance/daily-summary.js';
import { CHAT_DEFAULT_EVENT_TYPES, WEBHOOK_FORMATS, formatUrlProblem, maskedUrl, type WebhookFormat } from '../outbound/chat-formats.js';
import { DEFAULT_EVENT_TYPES, EVENT_TYPES } from '../outbound/event-types.js';
import type { Outbound } from '../outbound/outbound.js';
import { maskSecret, newSecret } from '../outbound/signature.js';
import type { AttendanceSummaryRepo } from '../store/attendance-summary-repo.js';
import type { IntegrationsRepo, Webhook as WebhookRow } from '../store/integrations-repo.js';
import type { OutboxRepo } from '../store/outbox-repo.js';
import { resource, type App } from './context.js';
import { ApiError, errorDocs } from './errors.js';
import { DeliveriesQuery, Delivery, DeliveryCounts, Queued, countsByTarget, deliveryJson, noCounts } from './outbound-schemas.js';
import { text } from '../../shared/text.js';
import { IdParam, Name, json, jsonRequest, secured } from './schemas.js';

const HttpUrl = z
  .string()
  .url()
  .max(2000)
  .refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), 'must be an http:// or https:// URL')
  .openapi({ example: 'https://example.com/hooks/facestream' });
const Secret = z.string().min(16).max(200).openapi({ description: 'HMAC-SHA256 key; at least 16 characters. Left out: the server makes one.' });
const Types = z.array(z.enum(EVENT_TYPES)).min(1).max(EVENT_TYPES.length);
/** Most cameras one webhook can name. */
const MAX_WEBHOOK_CAMERAS = 100;
const Cameras = z
  .array(text({ min: 1, max: 100 }))
  .min(1)
  .max(MAX_WEBHOOK_CAMERAS)
  .nullable()
  .openapi({
    description:
      "Only events from these camera labels (a server camera's name, a socket camera's hello `camera`), compared exactly; null or left out: every camera.",
    example: ['Front door'],
  });
const Format = z.enum(WEBHOOK_FORMATS).openapi({
  description:
    "What is POSTed: `json`, the signed event (default); or a chat message in the service's own format: `slack` (also Mattermost, " +
    'Rocket.Chat, Google Chat), `discord`, `telegram` (url `https://api.telegram.org/bot<token>/sendMessage?chat_id=<chat>`), ' +
    '`ntfy` (url `https://ntfy.sh/<topic>`).',
});

const Webhook = z
  .object({
    id: z.string(),
    name: z.string(),
    url: z.string().openapi({
      description: "A password in the URL is shown as ***, and so is a chat format's token (Slack's and Discord's last path segment, Telegram's bot token).",
    }),
    secretHint: z.string().openapi({ description: 'The last characters of the secret.' }),
    eventTypes: z.array(z.string()),
    format: Format,
    cameras: z.array(z.string()).nullable().openapi({ description: 'Only events from these cameras; null: every camera.' }),
    enabled: z.boolean(),
    createdAt: z.string(),
    deliveries: DeliveryCounts,
  })
  .openapi('Webhook');
const WithSecret = Webhook.extend({ secret: z.string().openapi({ description: 'Shown only in this response.' }) }).openapi('WebhookWithSecret');

const Create = z
  .object({
    name: Name,
    url: HttpUrl,
    format: Format.default('json'),
    cameras: Cameras.optional(),
    secret: Secret.optional(),
    eventTypes: Types.optional(),
    enabled: z.boolean().default(true),
  })
  .strict();
const Patch = z
  .object({
    name: Name,
    url: HttpUrl,
    format: Format,
    cameras: Cameras,
    secret: Secret,
    eventTypes: Types,
    enabled: z.boolean(),
    rotateSecret: z.literal(true),
  })
  .partial()
  .strict()
  .refine((p) => !(p.secret && p.rotateSecret), 'give a secret or rotateSecret, not both');

/** A URL that cannot carry its format is refused before it is stored (a Telegram URL without its chat, ...). */
function checkFormat(format: WebhookFormat, url: string): void {
  const problem = formatUrlProblem(format, url);
  if (problem) throw new ApiError('validation_failed', `url: ${problem}`);
}

const hookJson = (w: WebhookRow, counts = noCounts()) => ({
  id: w.id,
  name: w.name,
  url: maskedUrl(w.format, w.url),
  secretHint: maskSecret(w.secret),
  eventTypes: w.eventTypes,
  format: w.format,
  cameras: w.cameras,
  enabled: w.enabled,
  createdAt: w.createdAt.toISOString(),
  deliveries: counts,
});

export interface WebhooksDeps {
  integrations: IntegrationsRepo;
  outbox: OutboxRepo;
  outbound: Pick<Outbound, 'webhookChanged' | 'sendTest' | 'enqueue'>;
  /** Today's attendance so far, for "send the summary now". */
  attendance: Pick<AttendanceSummaryRepo, 'day'>;
}

export function webhooksRoutes(deps: WebhooksDeps): App {
  const app = resource();
  const { integrations: repo, outbox, outbound } = deps;
  const get = async (id: string) => {
    const w = await repo.getWebhook(id);
    if (!w) throw new ApiError('not_found', `no webhook ${id}`);
    return w;
  };

  app.openapi(
    secured('operator', {
      method: 'get',
      path: '/api/v1/webhooks',
      tags: ['webhooks'],
      summary: 'List webhooks with their delivery counts',
      responses: { 200: json(z.object({ items: z.array(Webhook) }), 'Oldest first; never the secrets') },
    }),
    async (c) => {
      const counts = countsByTarget(await outbox.stats());
      return c.json({ items: (await repo.listWebhooks()).map((w) => hookJson(w, counts.get(w.id))) }, 200);
    },
  );

  app.openapi(
    secured('admin', {
      method: 'post',
      path: '/api/v1/webhooks',
      tags: ['webhooks'],
      summary: 'Add a webhook',
      description:
        `Events of \`eventTypes\` are POSTed to \`url\` from now on, as \`format\` says (default: ${DEFAULT_EVENT_TYPES.join(', ')} for \`json\`; ` +
        `${CHAT_DEFAULT_EVENT_TYPES.join(', ')} for a chat format). The secret is in this response only.`,
      request: jsonRequest(Create),
      responses: { 201: json(WithSecret, 'Created') },
    }),
    async (c) => {
      const b = c.req.valid('json');
      checkFormat(b.format, b.url);
      const w = await repo.createWebhook({
        name: b.name,
        url: b.url,
        format: b.format,
        cameras: b.cameras ? [...new Set(b.cameras)] : null,
        secret: b.secret ?? newSecret(),
        eventTypes: b.eventTypes ?? (b.format === 'json' ? DEFAULT_EVENT_TYPES : CHAT_DEFAULT_EVENT_TYPES),
        enabled: b.enabled,
      });
      await outbound.webhookChanged(w.id, w);
      return c.json({ ...hookJson(w), secret: w.secret }, 201);
    },
  );

  app.openapi(
    secured('admin', {
      method: 'patch',
      path: '/api/v1/webhooks/{id}',
      tags: ['webhooks'],
      summary: 'Change a webhook',
      description: 'Disabling it gives up its pending deliveries. `rotateSecret: true` makes a new secret, returned in this response only.',
      request: { params: IdParam, ...jsonRequest(Patch) },
      responses: { 200: json(Webhook.extend({ secret: z.string().optional() }), 'Changed'), ...errorDocs('not_found') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { rotateSecret, ...patch } = c.req.valid('json');
      if (patch.url !== undefined || patch.format !== undefined) {
        const before = await get(id);
        checkFormat(patch.format ?? before.format, patch.url ?? before.url);
      }
      const secret = rotateSecret ? newSecret() : patch.secret;
      const cameras = patch.cameras ? { cameras: [...new Set(patch.cameras)] } : {};
      const w = await repo.updateWebhook(id, { ...patch, ...cameras, ...(secret ? { secret } : {}) });
      if (!w) throw new ApiError('not_found', `no webhook ${id}`);
      await outbound.webhookChanged(id, w);
      return c.json({ ...hookJson(w), ...(secret ? { secret } : {}) }, 200);
    },
  );

  app.openapi(
    secured('admin', {
      method: 'delete',
      path: '/api/v1/webhooks/{id}',
      tags: ['webhooks'],
      summary: 'Delete a webhook and its deliveries',
      request: { params: IdParam },
      responses: { 204: { description: 'Deleted' }, ...errorDocs('not_found') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      if (!(await repo.deleteWebhook(id))) throw new ApiError('not_found', `no webhook ${id}`);
      await outbound.webhookChanged(id, null);
      return c.body(null, 204);
    },
  );

  app.openapi(
    secured('operator', {
      method: 'get',
      path: '/api/v1/webhooks/{id}/deliveries',
      tags: ['webhooks'],
      summary: "A webhook's recent deliveries",
      request: { params: IdParam, query: DeliveriesQuery },
      responses: { 200: json(z.object({ items: z.array(Delivery) }), 'Newest first'), ...errorDocs('not_found') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      await get(id);
      return c.json({ items: (await outbox.recent(id, c.req.valid('query'))).map(deliveryJson) }, 200);
    },
  );

  app.openapi(
    secured('operator', {
      method: 'post',
      path: '/api/v1/webhooks/{id}/test',
      tags: ['webhooks'],
      summary: 'Send a test event to a webhook',
      description: 'A `test` event goes through the outbox like any other: see it under deliveries.',
      request: { params: IdParam },
      responses: { 202: json(Queued, 'Queued'), ...errorDocs('not_found', 'bad_request') },
    }),
    async (c) => {
      const w = await get(c.req.valid('param').id);
      if (!w.enabled) throw new ApiError('bad_request', 'the webhook is disabled');
      const o = await outbound.sendTest({ webhookId: w.id }, c.var.principal.name);
      if (!o.id) throw new ApiError('rate_limited', 'the outbox is full (OUTBOX_MAX_PENDING); try again when deliveries have caught up');
      return c.json({ eventId: o.id, deliveries: o.deliveries }, 202);
    },
  );

  app.openapi(
    secured('operator', {
      method: 'post',
      path: '/api/v1/webhooks/{id}/summary',
      tags: ['webhooks'],
      summary: "Send today's attendance summary so far to a webhook now",
      description:
        'The `attendance.summary` event as of now (what ATTENDANCE_SUMMARY_AT sends once a day), to this webhook only, through the outbox: to see it ' +
        "before the day's is due. The daily one is still sent at its time.",
      request: { params: IdParam },
      responses: { 202: json(Queued, 'Queued'), ...errorDocs('not_found', 'bad_request') },
    }),
    async (c) => {
      const w = await get(c.req.valid('param').id);
      if (!w.enabled) throw new ApiError('bad_request', 'the webhook is disabled');
      const o = await outbound.enqueue(await summaryEvent(deps.attendance, Date.now()), { webhookIds: [w.id] });
      if (!o.id) throw new ApiError('rate_limited', 'the outbox is full (OUTBOX_MAX_PENDING); try again when deliveries have caught up');
      return c.json({ eventId: o.id, deliveries: o.deliveries }, 202);
    },
  );

  app.openapi(
    secured('operator', {
      method: 'post',
      path: '/api/v1/deliveries/{id}/retry',
      tags: ['webhooks'],
      summary: 'Try a failed delivery again',
      request: { params: IdParam },
      responses: { 204: { description: 'Pending again, due now' }, ...errorDocs('not_found') },
    }),
    async (c) => {
      if (!(await outbox.retry(c.req.valid('param').id, new Date()))) throw new ApiError('not_found', `no failed delivery ${c.req.valid('param').id}`);
      return c.body(null, 204);
    },
  );
  return app;
}
