// /api/v1/people: create, list (paginated, search by name), get, rename, delete (every server forgets them at once).
import { z } from '@hono/zod-openapi';
import type { GalleryService } from '../gallery/service.js';
import type { PeopleRepo } from '../store/people-repo.js';
import { resource, type App } from './context.js';
import { ApiError, errorDocs } from './errors.js';
import { IdParam, Name, Page, Person, SearchText, json, jsonRequest, personJson, secured } from './schemas.js';

const PersonList = z.object({ items: z.array(Person), total: z.number().int(), limit: z.number().int(), offset: z.number().int() }).openapi('PersonList');
const NameBody = z.object({ name: Name }).strict().openapi('PersonName');

/** Names are one person's when they differ only in case, Unicode form or spacing: say which person has it. */
const duplicate = (existing: { id: string; name: string } | undefined) =>
  new ApiError(
    'duplicate_name',
    existing ? `"${existing.name}" (${existing.id}) already has this name, ignoring case and spacing` : 'a person with this name already exists',
  );

export interface PeopleDeps {
  people: PeopleRepo;
  galleryService: Pick<GalleryService, 'renamePerson' | 'deletePerson'>;
}

export function peopleRoutes(deps: PeopleDeps): App {
  const app = resource();
  const repo = deps.people;

  app.openapi(
    secured('viewer', {
      method: 'get',
      path: '/api/v1/people',
      tags: ['people'],
      summary: 'List people',
      description: 'Ordered by name; `q` matches any part of the name, ignoring case (its spaces, non-breaking ones included, count as one space).',
      request: { query: Page.extend({ q: SearchText.optional() }) },
      responses: { 200: json(PersonList, 'A page of people with their face counts') },
    }),
    async (c) => {
      const { q, limit, offset } = c.req.valid('query');
      const { items, total } = await repo.list({ q, limit, offset });
      return c.json({ items: items.map(personJson), total, limit, offset }, 200);
    },
  );

  app.openapi(
    secured(
      'operator',
      {
        method: 'post',
        path: '/api/v1/people',
        tags: ['people'],
        summary: 'Create a person',
        description:
          'A person without faces; add faces with POST /api/v1/people/{id}/faces. The name is stored NFC with its white space collapsed; 409 `duplicate_name` when someone has it ignoring case.',
        request: jsonRequest(NameBody),
        responses: { 201: json(Person, 'Created'), ...errorDocs('duplicate_name') },
      },
      { body: 'json' },
    ),
    async (c) => {
      const created = await repo.create(c.req.valid('json').name);
      if (!created.ok) throw duplicate(created.reason === 'duplicate' ? created.existing : undefined);
      return c.json(personJson(created.value), 201);
    },
  );

  app.openapi(
    secured('viewer', {
      method: 'get',
      path: '/api/v1/people/{id}',
      tags: ['people'],
      summary: 'Get a person',
      request: { params: IdParam },
      responses: { 200: json(Person, 'The person'), ...errorDocs('not_found') },
    }),
    async (c) => {
      const person = await repo.get(c.req.valid('param').id);
      if (!person) throw new ApiError('not_found', `no person ${c.req.valid('param').id}`);
      return c.json(personJson(person), 200);
    },
  );

  app.openapi(
    secured(
      'operator',
      {
        method: 'patch',
        path: '/api/v1/people/{id}',
        tags: ['people'],
        summary: 'Rename a person',
        description: 'Live views show the new name from the next frame on.',
        request: { params: IdParam, ...jsonRequest(NameBody) },
        responses: { 200: json(Person, 'Renamed'), ...errorDocs('not_found', 'duplicate_name') },
      },
      { body: 'json' },
    ),
    async (c) => {
      const { id } = c.req.valid('param');
      const { name } = c.req.valid('json');
      const renamed = await deps.galleryService.renamePerson(id, name);
      if (!renamed.ok) {
        throw renamed.reason === 'duplicate' ? duplicate(renamed.existing) : new ApiError('not_found', `no person ${id}`);
      }
      return c.json(personJson(renamed.value), 200);
    },
  );

  app.openapi(
    secured('operator', {
      method: 'delete',
      path: '/api/v1/people/{id}',
      tags: ['people'],
      summary: 'Delete a person and their faces',
      description: 'The index forgets them at once, in every server on the same database; live sessions re-vote.',
      request: { params: IdParam },
      responses: { 204: { description: 'Deleted' }, ...errorDocs('not_found') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      if (!(await deps.galleryService.deletePerson(id))) throw new ApiError('not_found', `no person ${id}`);
      return c.body(null, 204);
    },
  );
  return app;
}
