// POST and DELETE /api/v1/session: the web app's sign-in. The typed key is checked as any request's key is (wrong keys
// count toward the address's lockout) and kept in an HttpOnly, SameSite=Strict cookie, so page scripts never hold it:
// script injected into a page cannot read it, and another site's page cannot send it. Scripts and cameras keep sending
// their key in a header; the cookie is only for this server's own pages (auth/keys.ts keyFromCookie).
import { createRoute, z } from '@hono/zod-openapi';
import { deleteCookie, setCookie } from 'hono/cookie';
import type { Authenticator } from '../auth/authenticate.js';
import { KEY_COOKIE } from '../auth/keys.js';
import { resource, type App } from './context.js';
import { ApiError, errorDocs } from './errors.js';
import { jsonBody, remoteAddress } from './middleware.js';
import { json } from './schemas.js';
import { WhoAmI } from './whoami.js';

/** How long a browser stays signed in: a year (Chromium caps a cookie's lifetime at 400 days). A kiosk stays up. */
export const SESSION_MAX_AGE_S = 365 * 24 * 3600;

const SignIn = z.object({ key: z.string().min(1).max(200).openapi({ description: 'An API key (fsk_…).' }) }).openapi('SignIn');

const overTls = (url: string) => new URL(url).protocol === 'https:';

export function sessionRoutes(deps: { auth: Authenticator }): App {
  const app = resource();
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/session',
      tags: ['keys'],
      summary: "Sign this browser in: the key goes into an HttpOnly cookie that the server's own pages send",
      description:
        'No key needed to call it. A wrong key answers 401 and counts toward the address lockout (AUTH_FAILURES_PER_MINUTE), as on any request. ' +
        "In open mode nothing is set and the answer says so (`mode: open`). Only requests from this server's own pages may use the cookie: a " +
        'script or camera sends its key in a header.',
      middleware: [jsonBody()],
      request: { body: { content: { 'application/json': { schema: SignIn } }, required: true } },
      responses: {
        200: json(WhoAmI, 'Signed in; Set-Cookie carries the key (HttpOnly, SameSite=Strict, Secure over TLS)'),
        ...errorDocs('validation_failed', 'malformed_json', 'payload_too_large', 'unsupported_media_type', 'unauthenticated', 'rate_limited'),
      },
    }),
    async (c) => {
      const { key } = c.req.valid('json');
      const result = await deps.auth.authenticate(key, { remote: remoteAddress(c) });
      if (!result.ok && result.code === 'rate_limited') throw new ApiError('rate_limited', result.message, { 'Retry-After': String(result.retryAfterSeconds) });
      if (!result.ok) throw new ApiError('unauthenticated', result.message);
      if (deps.auth.mode === 'keys') {
        setCookie(c, KEY_COOKIE, key, {
          httpOnly: true,
          sameSite: 'Strict',
          path: '/',
          secure: overTls(c.req.url),
          maxAge: SESSION_MAX_AGE_S,
        });
      }
      return c.json({ name: result.principal.name, role: result.principal.role, mode: deps.auth.mode }, 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/v1/session',
      tags: ['keys'],
      summary: 'Sign this browser out: the key cookie is cleared',
      description: 'No key needed: a browser whose key was revoked can still sign out.',
      responses: { 204: { description: 'Signed out' } },
    }),
    (c) => {
      deleteCookie(c, KEY_COOKIE, { path: '/', secure: overTls(c.req.url) });
      return c.body(null, 204);
    },
  );
  return app;
}
