// The unknown-faces page's reads and dismiss: recent sightings grouped when they look like one person, DELETE one sighting.
import { z } from '@hono/zod-openapi';
import type { Config } from '../config.js';
import type { SightingsRepo } from '../store/sightings-repo.js';
import { resource, type App } from './context.js';
import { ApiError, errorDocs } from './errors.js';
import { IdParam, iso, json, secured } from './schemas.js';

const GroupedSighting = z
  .object({
    id: z.string(),
    firstSeenAt: z.string(),
    lastSeenAt: z.string(),
    camera: z.string(),
    bestScore: z.number().nullable(),
    bestPersonId: z.string().nullable(),
    cropUrl: z.string().nullable(),
    group: z
      .number()
      .int()
      .openapi({ description: "Sightings with the same group look like one person (cosine at or above MATCH_THRESHOLD to the group's first sighting)." }),
  })
  .openapi('GroupedSighting');

const cosine = (a: Float32Array, b: Float32Array) => {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot; // embeddings are stored L2-normalised
};

/** Greedy grouping, newest first: each sighting joins the first group whose first member it matches. O(n x groups). */
export function groupByLikeness(embeddings: Float32Array[], threshold: number): number[] {
  const heads: Float32Array[] = [];
  return embeddings.map((e) => {
    const g = heads.findIndex((h) => h.length === e.length && cosine(h, e) >= threshold);
    if (g >= 0) return g;
    heads.push(e);
    return heads.length - 1;
  });
}

export interface SightingReviewDeps {
  sightings: Pick<SightingsRepo, 'recent' | 'delete'>;
  config: Pick<Config, 'MATCH_THRESHOLD'>;
}

export function sightingReviewRoutes(deps: SightingReviewDeps): App {
  const app = resource();
  app.openapi(
    secured('viewer', {
      method: 'get',
      path: '/api/v1/sightings/grouped',
      tags: ['events'],
      summary: 'Recent unknown sightings, grouped by likeness',
      request: { query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(200) }) },
      responses: { 200: json(z.object({ items: z.array(GroupedSighting), groups: z.number().int() }), 'Newest first') },
    }),
    async (c) => {
      const { limit } = c.req.valid('query');
      const rows = await deps.sightings.recent(limit);
      const groups = groupByLikeness(
        rows.map((r) => r.embedding),
        deps.config.MATCH_THRESHOLD,
      );
      const items = rows.map(({ embedding: _e, hasCrop, ...r }, i) => ({
        ...r,
        firstSeenAt: iso(r.firstSeenAt),
        lastSeenAt: iso(r.lastSeenAt),
        cropUrl: hasCrop ? `/api/v1/sightings/${r.id}/crop` : null,
        group: groups[i]!,
      }));
      return c.json({ items, groups: new Set(groups).size }, 200);
    },
  );

  app.openapi(
    secured('operator', {
      method: 'delete',
      path: '/api/v1/sightings/{id}',
      tags: ['events'],
      summary: 'Dismiss an unknown sighting',
      request: { params: IdParam },
      responses: { 204: { description: 'Deleted' }, ...errorDocs('not_found') },
    }),
    async (c) => {
      if (!(await deps.sightings.delete(c.req.valid('param').id))) throw new ApiError('not_found', `no sighting ${c.req.valid('param').id}`);
      return c.body(null, 204);
    },
  );
  return app;
}
