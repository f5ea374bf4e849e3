// API keys and roles: key generation, hashing, and the role ladder (viewer < operator < admin).
import { createHash, randomBytes } from 'node:crypto';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const KEY_PREFIX = 'fsk_';

/** Who is calling: a stored key, or everyone in open mode. */
export interface Principal {
  role: Role;
  /** The api_keys row id; null in open mode. */
  keyId: string | null;
  name: string;
}

export const OPEN_PRINCIPAL: Principal = { role: 'admin', keyId: null, name: 'open mode' };

/** A new random key: `fsk_` + 32 random bytes, base64url. Shown once; only its hash is stored. */
export function generateKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

/** SHA-256 of the key, hex: what the database stores and looks up. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** First characters of a key, kept so people can tell keys apart in listings. */
export function keyPrefix(key: string): string {
  return key.slice(0, KEY_PREFIX.length + 6);
}

export function roleAllows(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

/** The key from `Authorization: Bearer <key>`, else `X-API-Key`, else a `key` query parameter (WebSocket URLs). */
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
