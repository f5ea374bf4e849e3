// Shared by the webhook and MQTT routes: the delivery view and what it is built from.
import { z } from '@hono/zod-openapi';
import type { DeliveryRow } from '../store/outbox-repo.js';

export const Delivery = z
  .object({
    id: z.string(),
    eventId: z.string().openapi({ description: 'The idempotency key the receiver saw.' }),
    type: z.string(),
    state: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.number().int(),
    nextAttemptAt: z.string().nullable().openapi({ description: 'Pending only: when it is tried next.' }),
    lastError: z.string().nullable(),
    lastStatus: z.number().int().nullable().openapi({ description: "The receiver's last HTTP status (webhooks)." }),
    deliveredAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('Delivery');

export const DeliveryCounts = z
  .object({ pending: z.number().int(), delivered: z.number().int(), failed: z.number().int(), oldestPendingAt: z.string().nullable() })
  .openapi('DeliveryCounts');
export type DeliveryCounts = z.infer<typeof DeliveryCounts>;

export const DeliveriesQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  state: z.enum(['pending', 'delivered', 'failed']).optional(),
});

export const Queued = z.object({ eventId: z.string(), deliveries: z.number().int() }).openapi('QueuedEvent');

export const deliveryJson = (d: DeliveryRow) => ({
  id: d.id,
  eventId: d.eventId,
  type: d.type,
  state: d.state,
  attempts: d.attempts,
  nextAttemptAt: d.state === 'pending' ? d.nextAttemptAt.toISOString() : null,
  lastError: d.lastError,
  lastStatus: d.lastStatus,
  deliveredAt: d.deliveredAt?.toISOString() ?? null,
  createdAt: d.createdAt.toISOString(),
});

/** Delivery counts per target key (`mqtt` or a webhook id) from the outbox's grouped stats. */
export function countsByTarget(
  stats: { webhookId: string | null; state: DeliveryRow['state']; n: number; oldest: Date | null }[],
): Map<string, DeliveryCounts> {
  const out = new Map<string, DeliveryCounts>();
  for (const s of stats) {
    const key = s.webhookId ?? 'mqtt';
    const c = out.get(key) ?? { pending: 0, delivered: 0, failed: 0, oldestPendingAt: null };
    c[s.state] += s.n;
    if (s.state === 'pending' && s.oldest) c.oldestPendingAt = s.oldest.toISOString();
    out.set(key, c);
  }
  return out;
}

export const noCounts = (): DeliveryCounts => ({ pending: 0, delivered: 0, failed: 0, oldestPendingAt: null });
