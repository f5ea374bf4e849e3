// API keys as data: the roles, who a key belongs to, and the key's generation and hash. Below both auth (which checks
// keys) and the store (which keeps their hashes), so neither has to import the other.
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
