// /api/v1/keys: admins create (the key is shown once), list and revoke API keys.
import { z } from '@hono/zod-openapi';
import { ROLES } from '../auth/keys.js';
import type { ApiKeyInfo, KeysRepo } from '../store/keys-repo.js';
import { resource, type App } from './context.js';
import { ApiError, errorDocs } from './errors.js';
import { IdParam, Name, json, jsonRequest, secured } from './schemas.js';

const ApiKey = z
  .object({
    id: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    prefix: z.string().openapi({ description: 'First characters of the key' }),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .openapi('ApiKey');
const NewKey = ApiKey.extend({ key: z.string().openapi({ description: 'The key itself. Shown only in this response; only its hash is stored.' }) }).openapi(
  'NewApiKey',
);

const keyJson = (k: ApiKeyInfo) => ({
  ...k,
  createdAt: k.createdAt.toISOString(),
  lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
  revokedAt: k.revokedAt?.toISOString() ?? null,
});

export interface KeysDeps {
  keys: KeysRepo;
}

export function keysRoutes(deps: KeysDeps): App {
  const app = resource();
  const repo = deps.keys;

  app.openapi(
    secured(
      'admin',
      {
        method: 'post',
        path: '/api/v1/keys',
        tags: ['keys'],
        summary: 'Create an API key',
        request: jsonRequest(z.object({ name: Name, role: z.enum(ROLES) }).strict()),
        responses: { 201: json(NewKey, 'Created; copy the key now') },
      },
      { body: 'json' },
    ),
    async (c) => {
      const { name, role } = c.req.valid('json');
      const created = await repo.create(name, role);
      return c.json({ ...keyJson(created), key: created.key }, 201);
    },
  );

  app.openapi(
    secured('admin', {
      method: 'get',
      path: '/api/v1/keys',
      tags: ['keys'],
      summary: 'List API keys',
      responses: { 200: json(z.object({ items: z.array(ApiKey) }), 'Keys (never the keys themselves)') },
    }),
    async (c) => c.json({ items: (await repo.list()).map(keyJson) }, 200),
  );

  app.openapi(
    secured('admin', {
      method: 'delete',
      path: '/api/v1/keys/{id}',
      tags: ['keys'],
      summary: 'Revoke an API key',
      description: 'Takes effect on the next request; open WebSocket sessions keep running until they reconnect.',
      request: { params: IdParam },
      responses: { 204: { description: 'Revoked' }, ...errorDocs('not_found') },
    }),
    async (c) => {
      if (!(await repo.revoke(c.req.valid('param').id))) throw new ApiError('not_found', `no active key ${c.req.valid('param').id}`);
      return c.body(null, 204);
    },
  );
  return app;
}
