// Check-ins and unknown sightings (written by the attendance feature): query by person and time range, JSON or CSV.
import { z } from '@hono/zod-openapi';
import type { EventsRepo } from '../store/events-repo.js';
import { resource, type App } from './context.js';
import { ApiError, errorDocs } from './errors.js';
import { IdParam, Page, iso, secured } from './schemas.js';

const Range = Page.extend({
  from: z.coerce.date().optional().openapi({ description: 'ISO 8601, inclusive', example: '2025-01-01T00:00:00Z' }),
  to: z.coerce.date().optional().openapi({ description: 'ISO 8601, exclusive' }),
  format: z.enum(['json', 'csv']).default('json').openapi({ description: 'csv returns text/csv (up to `limit` rows).' }),
});
const CheckIn = z
  .object({ id: z.string(), personId: z.string(), personName: z.string(), at: z.string(), score: z.number(), camera: z.string() })
  .openapi('CheckIn');
const Sighting = z
  .object({
    id: z.string(),
    firstSeenAt: z.string(),
    lastSeenAt: z.string(),
    camera: z.string(),
    modelId: z.string(),
    bestScore: z.number().nullable(),
    bestPersonId: z.string().nullable(),
    cropUrl: z.string().nullable(),
  })
  .openapi('Sighting');
const csvContent = { 'text/csv': { schema: z.string() } };

/** RFC 4180 CSV; cells that a spreadsheet would run as a formula are prefixed with a quote. */
export function toCsv(header: string[], rows: (string | number | null)[][]): string {
  const cell = (v: string | number | null) => {
    let s = v === null ? '' : String(v);
    if (/^[=+\-@\t\r]/.test(s) && typeof v === 'string') s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

function checkRange(q: { from?: Date; to?: Date }) {
  if (q.from && q.to && q.from > q.to) throw new ApiError('validation_failed', 'query: from must not be after to');
}

export interface EventsDeps {
  events: EventsRepo;
}

export function eventsRoutes(deps: EventsDeps): App {
  const app = resource();
  const repo = deps.events;

  app.openapi(
    secured('viewer', {
      method: 'get',
      path: '/api/v1/check-ins',
      tags: ['events'],
      summary: 'Check-ins by person and time range',
      request: { query: Range.extend({ personId: z.string().uuid().optional() }) },
      responses: {
        200: {
          description: 'Oldest first',
          content: { 'application/json': { schema: z.object({ items: z.array(CheckIn), total: z.number().int() }) }, ...csvContent },
        },
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      checkRange(q);
      const { items, total } = await repo.checkIns(q);
      if (q.format === 'csv') {
        const csv = toCsv(
          ['id', 'person_id', 'person_name', 'at', 'score', 'camera'],
          items.map((r) => [r.id, r.personId, r.personName, iso(r.at), r.score, r.camera]),
        );
        return c.body(csv, 200, { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': 'attachment; filename="check-ins.csv"' }) as never;
      }
      return c.json({ items: items.map((r) => ({ ...r, at: iso(r.at) })), total }, 200);
    },
  );

  app.openapi(
    secured('viewer', {
      method: 'get',
      path: '/api/v1/sightings',
      tags: ['events'],
      summary: 'Unknown sightings by time range',
      description: 'A sighting is in the range when it overlaps it. `bestPersonId` filters by the closest (below threshold) enrolled person.',
      request: { query: Range.extend({ bestPersonId: z.string().uuid().optional() }) },
      responses: {
        200: {
          description: 'Oldest first',
          content: { 'application/json': { schema: z.object({ items: z.array(Sighting), total: z.number().int() }) }, ...csvContent },
        },
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      checkRange(q);
      const { items, total } = await repo.sightings(q);
      if (q.format === 'csv') {
        const csv = toCsv(
          ['id', 'first_seen_at', 'last_seen_at', 'camera', 'model_id', 'best_score', 'best_person_id'],
          items.map((s) => [s.id, iso(s.firstSeenAt), iso(s.lastSeenAt), s.camera, s.modelId, s.bestScore, s.bestPersonId]),
        );
        return c.body(csv, 200, { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': 'attachment; filename="sightings.csv"' }) as never;
      }
      return c.json(
        {
          items: items.map(({ hasCrop, ...s }) => ({
            ...s,
            firstSeenAt: iso(s.firstSeenAt),
            lastSeenAt: iso(s.lastSeenAt),
            cropUrl: hasCrop ? `/api/v1/sightings/${s.id}/crop` : null,
          })),
          total,
        },
        200,
      );
    },
  );

  app.openapi(
    secured('viewer', {
      method: 'get',
      path: '/api/v1/sightings/{id}/crop',
      tags: ['events'],
      summary: "A sighting's best view",
      request: { params: IdParam },
      responses: { 200: { description: 'JPEG', content: { 'image/jpeg': { schema: z.string().openapi({ format: 'binary' }) } } }, ...errorDocs('not_found') },
    }),
    async (c) => {
      const crop = await repo.sightingCrop(c.req.valid('param').id);
      if (!crop) throw new ApiError('not_found', `no sighting ${c.req.valid('param').id} with a crop`);
      return c.body(new Uint8Array(crop), 200, { 'Content-Type': 'image/jpeg' }) as never;
    },
  );
  return app;
}
