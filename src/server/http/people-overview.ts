// GET /api/v1/library: the people library page's list (face count, thumbnail crop URL, last check-in), searchable by name.
import { z } from '@hono/zod-openapi';
import type { PeopleRepo } from '../store/people-repo.js';
import { smallestWholeCropPx, type ModelManifest } from '../vision/models.js';
import { resource, type App } from './context.js';
import { Page, iso, json, secured } from './schemas.js';

const PersonOverview = z
  .object({
    id: z.string(),
    name: z.string(),
    faces: z.number().int(),
    createdAt: z.string().datetime(),
    thumbnailUrl: z.string().nullable().openapi({ description: 'Crop of their best-quality face, image/jpeg; null without stored crops.' }),
    lastSeenAt: z
      .string()
      .datetime()
      .nullable()
      .openapi({ description: 'The last time a camera recognized them (as far as check-ins record it: their last check-in window), any camera.' }),
    enrolAgain: z.number().int().openapi({
      description:
        "Their faces that want them enrolled again: made by another model (not searched), or re-embedded from a stored crop too small for the running model (a Face's `reenrol`). 0 when none.",
    }),
  })
  .openapi('PersonOverview');

export interface PeopleOverviewDeps {
  people: Pick<PeopleRepo, 'overview'>;
  /** The running embedding model (null: the built-in fallback, which reads the 150 px chip). */
  model: Pick<ModelManifest, 'id' | 'fusion' | 'nets'> | null;
}

export function peopleOverviewRoutes(deps: PeopleOverviewDeps): App {
  const app = resource();
  const rule = deps.model ? { modelId: deps.model.id, minCropPx: smallestWholeCropPx(deps.model) } : undefined;
  app.openapi(
    secured('viewer', {
      method: 'get',
      path: '/api/v1/library',
      tags: ['people'],
      summary: 'People with thumbnail, face count and last seen',
      description:
        'Ordered by name; `q` matches any part of the name, case-insensitively; `enrolAgain=true` lists only people with faces to enrol again (`enrolAgain` > 0).',
      request: {
        query: Page.extend({
          q: z.string().max(100).optional(),
          enrolAgain: z
            .enum(['true', 'false', '1', '0'])
            .optional()
            .transform((v) => v === 'true' || v === '1'),
        }),
      },
      responses: { 200: json(z.object({ items: z.array(PersonOverview), total: z.number().int() }), 'A page of people') },
    }),
    async (c) => {
      const { q, limit, offset, enrolAgain } = c.req.valid('query');
      const { items, total } = await deps.people.overview({ q, limit, offset, rule, onlyEnrolAgain: enrolAgain });
      return c.json(
        {
          items: items.map((p) => ({
            id: p.id,
            name: p.name,
            faces: p.faces,
            createdAt: iso(p.createdAt),
            thumbnailUrl: p.thumbnailFaceId ? `/api/v1/faces/${p.thumbnailFaceId}/crop` : null,
            lastSeenAt: p.lastSeenAt ? iso(p.lastSeenAt) : null,
            enrolAgain: p.enrolAgain,
          })),
          total,
        },
        200,
      );
    },
  );
  return app;
}
