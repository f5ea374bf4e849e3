// GET /api/v1/whoami: the caller's own key name and role, so a web page can check a typed key and show only what the role may do.
import { z } from '@hono/zod-openapi';
import { ROLES } from '../auth/keys.js';
import type { AuthMode } from '../auth/mode.js';
import { resource, type App } from './context.js';
import { json, secured } from './schemas.js';

export const WhoAmI = z
  .object({
    name: z.string().openapi({ description: 'The key\'s name ("open mode" when no keys are required).' }),
    role: z.enum(ROLES),
    mode: z.enum(['open', 'keys']).openapi({ description: 'AUTH_MODE: in open mode every caller is admin and needs no key.' }),
  })
  .openapi('WhoAmI');

export interface WhoAmIDeps {
  authMode: AuthMode;
}

export function whoAmIRoutes(deps: WhoAmIDeps): App {
  const app = resource();
  app.openapi(
    secured('viewer', {
      method: 'get',
      path: '/api/v1/whoami',
      tags: ['keys'],
      summary: 'The caller: key name and role',
      description: 'Any valid key may ask; 401 for a missing, unknown or revoked key. Pages use it to check a key before remembering it.',
      responses: { 200: json(WhoAmI, 'The caller') },
    }),
    (c) => {
      const p = c.get('principal');
      return c.json({ name: p.name, role: p.role, mode: deps.authMode }, 200);
    },
  );
  return app;
}
