// GET /api/v1/library: the people library page's list (face count, thumbnail crop URL, last check-in), searchable by name.
import { z } from '@hono/zod-openapi';
import type { PeopleRepo } from '../store/people-repo.js';
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
  })
  .openapi('PersonOverview');

export interface PeopleOverviewDeps {
  people: Pick<PeopleRepo, 'overview'>;
}

export function peopleOverviewRoutes(deps: PeopleOverviewDeps): App {
  const app = resource();
  app.openapi(
    secured('viewer', {
      method: 'get',
      path: '/api/v1/library',
      tags: ['people'],
      summary: 'People with thumbnail, face count and last seen',
      description: 'Ordered by name; `q` matches any part of the name, case-insensitively.',
      request: { query: Page.extend({ q: z.string().max(100).optional() }) },
      responses: { 200: json(z.object({ items: z.array(PersonOverview), total: z.number().int() }), 'A page of people') },
    }),
    async (c) => {
      const { q, limit, offset } = c.req.valid('query');
      const { items, total } = await deps.people.overview({ q, limit, offset });
      return c.json(
        {
          items: items.map((p) => ({
            id: p.id,
            name: p.name,
            faces: p.faces,
            createdAt: iso(p.createdAt),
            thumbnailUrl: p.thumbnailFaceId ? `/api/v1/faces/${p.thumbnailFaceId}/crop` : null,
            lastSeenAt: p.lastSeenAt ? iso(p.lastSeenAt) : null,
          })),
          total,
        },
        200,
      );
    },
  );
  return app;
}
