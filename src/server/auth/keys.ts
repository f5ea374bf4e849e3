// Roles and keys as auth uses them: the role ladder (viewer < operator < admin), the open-mode caller, where a request
// carries its key. The keys themselves (generation, hash) are in ../api-keys.ts, shared with the store.
import { parse } from 'hono/utils/cookie';
import { ROLES, type Principal, type Role } from '../api-keys.js';
import { isOwnOrigin } from './mode.js';

export { generateKey, hashKey, KEY_PREFIX, keyPrefix, ROLES, type Principal, type Role } from '../api-keys.js';

export const OPEN_PRINCIPAL: Principal = { role: 'admin', keyId: null, name: 'open mode' };

export function roleAllows(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

/** The key from `Authorization: Bearer <key>`, else `X-API-Key`, else a `key` query parameter when `query` is given. */
export function keyFromRequest(header: (name: string) => string | undefined, query?: (name: string) => string | null | undefined): string | undefined {
  const auth = header('authorization');
  if (auth) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1];
  }
  const x = header('x-api-key');
  if (x) return x.trim();
  return query?.('key') ?? undefined;
}

/**
 * The cookie the web app's sign-in sets (POST /api/v1/session): the key itself, HttpOnly, so page scripts never hold
 * it and injected script cannot read it. Requests and WebSocket upgrades from this server's own pages carry it.
 */
export const KEY_COOKIE = 'facestream_key';

/**
 * The key in the `facestream_key` cookie of a request, if any, and only for a request from this server's own pages:
 * no Origin or our own (same host as Host), and no Sec-Fetch-Site saying another site. The cookie is SameSite=Strict
 * already; this also keeps an origin listed in ALLOWED_ORIGINS (which may call the API with its own key) from riding on
 * a signed-in browser's cookie.
 */
export function keyFromCookie(header: (name: string) => string | undefined): string | undefined {
  const cookies = header('cookie');
  if (!cookies) return undefined;
  const origin = header('origin');
  if (origin !== undefined && !isOwnOrigin(origin, header('host'))) return undefined;
  const site = header('sec-fetch-site')?.toLowerCase();
  if (site === 'cross-site' || site === 'same-site') return undefined;
  const key = parse(cookies, KEY_COOKIE)[KEY_COOKIE];
  return key ? key : undefined;
}
