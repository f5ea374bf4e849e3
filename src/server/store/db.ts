// Opens the Store: PostgreSQL when a DATABASE_URL is given, else embedded PGlite in the data directory; migrates on open.
import { noCrash, type CrashAt } from '../crash-points.js';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { acquireDirLock, type DirLock } from './dir-lock.js';
import { createQueries, type StoreDb } from './queries.js';
import type { Store } from './types.js';

export interface OpenStoreOptions {
  /** PostgreSQL connection string; when unset, PGlite in `dataDir` is used. */
  databaseUrl?: string;
  /** Data directory for PGlite; `':memory:'` means an in-memory database (tests), with no lock. */
  dataDir: string;
  log?: (msg: string) => void;
  /** kill -9 tests only (TEST_CRASH_AT). */
  crash?: CrashAt;
}

export const MEMORY = ':memory:';

// migrations/ sits at the repo root, three levels above this file (src/server/store).
const migrationsFolder = fileURLToPath(new URL('../../../migrations', import.meta.url));

export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  const log = opts.log ?? (() => {});
  const crash = opts.crash ?? noCrash;
  return opts.databaseUrl ? openPostgres(opts.databaseUrl, log, crash) : openPglite(opts.dataDir, log, crash);
}

async function openPostgres(url: string, log: (msg: string) => void, crash: CrashAt): Promise<Store> {
  // Notices (e.g. "schema drizzle already exists, skipping" during migrate) are noise for operators.
  const client = postgres(url, { max: 10, onnotice: () => {} });
  try {
    const db = drizzlePostgres({ client });
    await migratePostgres(db, { migrationsFolder });
    log(`store: PostgreSQL at ${redact(url)}`);
    let closed: Promise<void> | undefined;
    return {
      kind: 'postgres',
      db: db as unknown as StoreDb,
      ...createQueries(db, crash),
      close: () => (closed ??= client.end({ timeout: 5 })),
    };
  } catch (err) {
    await client.end({ timeout: 1 }).catch(() => {});
    throw err;
  }
}

async function openPglite(dataDir: string, log: (msg: string) => void, crash: CrashAt): Promise<Store> {
  let lock: DirLock | undefined;
  let client: PGlite;
  if (dataDir === MEMORY) {
    client = new PGlite();
  } else {
    // The lock comes first: PGlite must not even open files another process is writing.
    lock = acquireDirLock(dataDir, log);
    const dbDir = path.join(dataDir, 'pglite');
    fs.mkdirSync(dbDir, { recursive: true });
    client = new PGlite(dbDir);
  }
  try {
    await client.waitReady;
    const db = drizzlePglite({ client });
    await migratePglite(db, { migrationsFolder });
    log(dataDir === MEMORY ? 'store: in-memory PGlite' : `store: PGlite in ${path.join(dataDir, 'pglite')}`);
    let closed: Promise<void> | undefined;
    return {
      kind: 'pglite',
      db: db as unknown as StoreDb,
      ...createQueries(db, crash),
      close: () =>
        (closed ??= (async () => {
          try {
            await client.close();
          } finally {
            // Release only after PGlite has flushed and closed its files.
            lock?.release();
          }
        })()),
    };
  } catch (err) {
    await client.close().catch(() => {});
    lock?.release();
    throw err;
  }
}

/** The URL without its password, for logs. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable url)';
  }
}
