// Check-ins and unknown sightings (written by the attendance feature): query by person and time range, JSON or CSV.
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Logger } from '../log.js';
import type { EventsRepo } from '../store/events-repo.js';
import { resource, type App } from './context.js';
import { ApiError, errorDocs } from './errors.js';
import { acceptsGzip, streamText } from './gzip-stream.js';
import { IdParam, Page, iso, secured } from './schemas.js';

const Range = Page.extend({
  from: z.coerce.date().optional().openapi({ description: 'ISO 8601, inclusive', example: '2025-01-01T00:00:00Z' }),
  to: z.coerce.date().optional().openapi({ description: 'ISO 8601, exclusive' }),
  format: z.enum(['json', 'csv']).default('json').openapi({ description: 'csv returns text/csv (up to `limit` rows).' }),
});
const CheckIn = z
  .object({
    id: z.string(),
    personId: z.string(),
    personName: z.string(),
    at: z.string().openapi({ description: 'When they checked in: ISO 8601 with offset (UTC, `Z`).' }),
    lastSeenAt: z.string().openapi({
      description: 'The last time a camera recognized them within this check-in’s cooldown window (`at` if not seen again); ISO 8601 with offset.',
    }),
    score: z.number(),
    camera: z.string(),
  })
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

type Cell = string | number | null;

/** One RFC 4180 CSV line, CRLF included; cells that a spreadsheet would run as a formula are prefixed with a quote. */
export function csvLine(row: Cell[]): string {
  const cell = (v: Cell) => {
    let s = v === null ? '' : String(v);
    if (/^[=+\-@\t\r]/.test(s) && typeof v === 'string') s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return row.map(cell).join(',') + '\r\n';
}

/** RFC 4180 CSV of a header and rows. */
export function toCsv(header: string[], rows: Cell[][]): string {
  return [header, ...rows].map(csvLine).join('');
}

/**
 * A CSV download written line by line (gzip'd with Content-Encoding when the client accepts it), not built as one
 * string: gzip-stream.ts.
 */
function csvResponse(c: Context, file: string, header: string[], rows: Cell[][], log: EventsDeps['log']): Response {
  async function* lines() {
    yield csvLine(header);
    // A few hundred rows a chunk: one write per row would cost more in stream calls than the rows themselves.
    for (let i = 0; i < rows.length; i += 256)
      yield rows
        .slice(i, i + 256)
        .map(csvLine)
        .join('');
  }
  return streamText(c, lines(), {
    headers: { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename="${file}"` },
    gzip: acceptsGzip(c),
    encoding: true,
    onError: (err) => log.error('CSV export cut short', { file, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  });
}

function checkRange(q: { from?: Date; to?: Date }) {
  if (q.from && q.to && q.from > q.to) throw new ApiError('validation_failed', 'query: from must not be after to');
}

export interface EventsDeps {
  events: EventsRepo;
  log: Pick<Logger, 'error'>;
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
        return csvResponse(
          c,
          'check-ins.csv',
          ['id', 'person_id', 'person_name', 'at', 'last_seen_at', 'score', 'camera'],
          items.map((r) => [r.id, r.personId, r.personName, iso(r.at), iso(r.lastSeenAt), r.score, r.camera]),
          deps.log,
        ) as never;
      }
      return c.json({ items: items.map((r) => ({ ...r, at: iso(r.at), lastSeenAt: iso(r.lastSeenAt) })), total }, 200);
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
        return csvResponse(
          c,
          'sightings.csv',
          ['id', 'first_seen_at', 'last_seen_at', 'camera', 'model_id', 'best_score', 'best_person_id'],
          items.map((s) => [s.id, iso(s.firstSeenAt), iso(s.lastSeenAt), s.camera, s.modelId, s.bestScore, s.bestPersonId]),
          deps.log,
        ) as never;
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
