// Roles and keys as auth uses them: the role ladder (viewer < operator < admin), the open-mode caller, where a request
// carries its key. The keys themselves (generation, hash) are in ../api-keys.ts, shared with the store.
import { ROLES, type Principal, type Role } from '../api-keys.js';

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
