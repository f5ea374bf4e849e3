// Opens the Store: PostgreSQL when a DATABASE_URL is given, else embedded PGlite in the data directory; migrates on open.
import { noCrash, type CrashAt } from '../crash-points.js';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { acquireDirLock, type DirLock } from './dir-lock.js';
import type { StoreDb } from './drizzle-db.js';
import { notifyChannels, type NotifyChannels } from './notify-channels.js';
import { openPgliteThread, type PgliteThreadClient } from './pglite/client.js';
import { createRepositories } from './repositories.js';
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
  // fetch_types off: postgres.js runs its array-type lookup on each new connection as a promise nobody can catch, so
  // a database restart that cuts a connection during it crashed the process (unhandled rejection). No column or
  // parameter here is a Postgres array, so the lookup buys nothing.
  const client = postgres(url, { max: 10, onnotice: () => {}, fetch_types: false });
  try {
    const db = drizzlePostgres({ client });
    await migratePostgres(db, { migrationsFolder });
    log(`store: PostgreSQL at ${redact(url)}`);
    let closed: Promise<void> | undefined;
    return seal('postgres', db as unknown as StoreDb, crash, () => (closed ??= client.end({ timeout: 5 })), notifyChannels(client));
  } catch (err) {
    await client.end({ timeout: 1 }).catch(() => {});
    throw err;
  }
}

async function openPglite(dataDir: string, log: (msg: string) => void, crash: CrashAt): Promise<Store> {
  let lock: DirLock | undefined;
  let dbDir: string | null = null;
  if (dataDir !== MEMORY) {
    // The lock comes first: PGlite must not even open files another process is writing.
    lock = acquireDirLock(dataDir, log);
    dbDir = path.join(dataDir, 'pglite');
    fs.mkdirSync(dbDir, { recursive: true });
  }
  let thread: PgliteThreadClient | undefined;
  try {
    // PGlite runs on its own thread (pglite/thread.ts): its statements never hold up the cameras' event loop.
    thread = await openPgliteThread(dbDir);
    const db = drizzlePglite({ client: thread.driver });
    await migratePglite(db, { migrationsFolder });
    log(dbDir === null ? 'store: in-memory PGlite' : `store: PGlite in ${dbDir}`);
    const opened = thread;
    let closed: Promise<void> | undefined;
    return seal(
      'pglite',
      db as unknown as StoreDb,
      crash,
      () =>
        (closed ??= (async () => {
          try {
            await opened.close();
          } finally {
            // Release only after PGlite has flushed and closed its files.
            lock?.release();
          }
        })()),
    );
  } catch (err) {
    await thread?.close().catch(() => {});
    lock?.release();
    throw err;
  }
}

/** The drizzle handle under each open store: for rawDrizzle() only, so the Store itself carries no handle to leak. */
const handles = new WeakMap<Store, StoreDb>();

/** The Store over a drizzle handle: its repositories, transactions with repositories bound to them, ping and close. */
function seal(kind: Store['kind'], db: StoreDb, crash: CrashAt, close: () => Promise<void>, channels: NotifyChannels | null = null): Store {
  const store: Store = {
    kind,
    channels,
    ...createRepositories(db, crash),
    tx: (fn) => db.transaction((t) => fn(createRepositories(t, crash))),
    ping: async () => void (await db.execute(sql`select 1`)),
    close,
  };
  handles.set(store, db);
  return store;
}

/**
 * Tests only: the drizzle handle of a store, for checks no repository answers (counting raw rows after a kill -9, forcing
 * a row into a state). The server never calls it: everything it does goes through the repositories.
 */
export function rawDrizzle(store: Store): StoreDb {
  const db = handles.get(store);
  if (!db) throw new Error('not a store opened by openStore()');
  return db;
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
