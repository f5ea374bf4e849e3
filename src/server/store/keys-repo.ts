// API key rows (table api_keys): create, look up by key hash, list, revoke. The key itself is never stored.
import { and, asc, eq, inArray, isNull, lt, or } from 'drizzle-orm';
import { generateKey, hashKey, keyPrefix, type Principal, type Role } from '../api-keys.js';
import type { StoreDb } from './drizzle-db.js';
import { apiKeys } from './schema.js';
import { isUuid } from './sql-guards.js';

export interface ApiKeyInfo {
  id: string;
  name: string;
  role: Role;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const columns = {
  id: apiKeys.id,
  name: apiKeys.name,
  role: apiKeys.role,
  prefix: apiKeys.prefix,
  createdAt: apiKeys.createdAt,
  lastUsedAt: apiKeys.lastUsedAt,
  revokedAt: apiKeys.revokedAt,
};

/** lastUsedAt is written at most this often per key, so reads do not turn into a write per request. */
const TOUCH_EVERY_MS = 60_000;

export function keysRepo(db: StoreDb) {
  return {
    /** Creates a key; the returned `key` is the only time it exists in clear. */
    async create(name: string, role: Role): Promise<ApiKeyInfo & { key: string }> {
      const key = generateKey();
      const [row] = await db
        .insert(apiKeys)
        .values({ name, role, keyHash: hashKey(key), prefix: keyPrefix(key) })
        .returning(columns);
      return { ...row!, key };
    },

    /** The caller a key belongs to, or null for an unknown or revoked key. */
    async principalFor(key: string): Promise<Principal | null> {
      const [row] = await db
        .select({ id: apiKeys.id, name: apiKeys.name, role: apiKeys.role, lastUsedAt: apiKeys.lastUsedAt })
        .from(apiKeys)
        .where(and(eq(apiKeys.keyHash, hashKey(key)), isNull(apiKeys.revokedAt)));
      if (!row) return null;
      const now = new Date();
      if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > TOUCH_EVERY_MS) {
        const stale = new Date(now.getTime() - TOUCH_EVERY_MS);
        // Best effort: a failed bookkeeping write must not fail the request.
        void db
          .update(apiKeys)
          .set({ lastUsedAt: now })
          .where(and(eq(apiKeys.id, row.id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, stale))))
          .catch(() => {});
      }
      return { role: row.role, keyId: row.id, name: row.name };
    },

    /** Which of these key ids are still active: open sockets of the others are closed. */
    async activeIds(ids: string[]): Promise<Set<string>> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0) return new Set();
      const rows = await db
        .select({ id: apiKeys.id })
        .from(apiKeys)
        .where(and(inArray(apiKeys.id, valid), isNull(apiKeys.revokedAt)));
      return new Set(rows.map((r) => r.id));
    },

    async list(): Promise<ApiKeyInfo[]> {
      return db.select(columns).from(apiKeys).orderBy(asc(apiKeys.createdAt));
    },

    /** True when an active key was revoked. */
    async revoke(id: string): Promise<boolean> {
      if (!isUuid(id)) return false;
      const rows = await db
        .update(apiKeys)
        .set({ revokedAt: new Date() })
        .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
        .returning({ id: apiKeys.id });
      return rows.length > 0;
    },
  };
}

export type KeysRepo = ReturnType<typeof keysRepo>;
