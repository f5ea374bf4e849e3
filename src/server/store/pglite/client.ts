// The embedded database on its own thread (thread.ts), as drizzle's PGlite driver sees it: query() and transaction()
// with PGlite's signatures and semantics. A statement outside a transaction waits for an open one to end, exactly as
// it does on PGlite itself, so repositories cannot tell the difference; the camera's event loop only posts statements
// and reads rows back. Each call has no deadline of its own: a statement takes as long as PGlite takes, as before.
// If the thread dies (out of memory, a WASM abort) every waiting call fails, and so does every later one, with the
// reason: the store's ping then fails, and /health says the database is down.
import type { PGlite, QueryOptions, Results, Transaction } from '@electric-sql/pglite';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  fromWireError,
  type PgliteBinaries,
  type PgliteReply,
  type PgliteRequest,
  type PgliteThreadInit,
  type PgliteThreadReady,
  type WireResults,
} from './messages.js';

/** The compiled thread when this file is compiled (dist/), else entry.mjs, which registers tsx inside the thread. */
const THREAD_MODULE = new URL(import.meta.url.endsWith('.js') ? './thread.js' : './entry.mjs', import.meta.url);

type Parsers = NonNullable<QueryOptions['parsers']>;
type Request = PgliteRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

export interface PgliteThreadClient {
  /** What drizzle's PGlite driver calls; the cast is safe only for query() and transaction(). */
  readonly driver: PGlite;
  close(): Promise<void>;
}

let binaries: Promise<PgliteBinaries | undefined> | undefined;

/**
 * PGlite's two WASM modules compiled once for the process, and its file bundle read once: each thread would otherwise
 * compile 9 MB of WASM again (a second or more of every open; tests open hundreds). Undefined if PGlite's package no
 * longer ships these files: each thread then loads its own, as PGlite does by default.
 */
function pgliteBinaries(): Promise<PgliteBinaries | undefined> {
  return (binaries ??= (async () => {
    const dist = path.dirname(fileURLToPath(import.meta.resolve('@electric-sql/pglite')));
    const read = (name: string) => fs.promises.readFile(path.join(dist, name));
    try {
      const [pglite, initdb, fsBundle] = await Promise.all([read('pglite.wasm'), read('initdb.wasm'), read('pglite.data')]);
      return {
        pgliteWasmModule: await WebAssembly.compile(pglite),
        initdbWasmModule: await WebAssembly.compile(initdb),
        fsBundle: new Uint8Array(fsBundle.buffer as ArrayBuffer, fsBundle.byteOffset, fsBundle.byteLength),
      };
    } catch {
      return undefined;
    }
  })());
}

/** Starts the thread and resolves once PGlite has opened the database there (rejects with PGlite's reason if not). */
export async function openPgliteThread(dataDir: string | null): Promise<PgliteThreadClient> {
  const init: PgliteThreadInit = { dataDir, binaries: await pgliteBinaries() };
  const worker = new Worker(THREAD_MODULE, { workerData: init });
  const pending = new Map<number, { resolve: (r: PgliteReply & { ok: true }) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let dead: Error | null = null;

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(new Error(`the embedded database thread failed to start: ${err.message}`));
    worker.once('error', onError);
    worker.once('message', (m: PgliteThreadReady) => {
      worker.off('error', onError);
      if (m.ready) resolve();
      else void worker.terminate().finally(() => reject(fromWireError(m.error)));
    });
  });

  worker.on('message', (r: PgliteReply) => {
    const waiter = pending.get(r.id);
    if (!waiter) return;
    pending.delete(r.id);
    if (pending.size === 0) worker.unref();
    if (r.ok) waiter.resolve(r);
    else waiter.reject(fromWireError(r.error));
  });
  const die = (why: string) => {
    dead ??= new Error(`the embedded database thread stopped: ${why}`);
    for (const w of pending.values()) w.reject(dead);
    pending.clear();
  };
  worker.on('error', (err) => die(err.message));
  worker.on('exit', (code) => die(`exit code ${code}`));
  // The thread keeps the process alive only while a statement is waiting for it, like a socket with a request out.
  worker.unref();

  const call = (req: Request): Promise<PgliteReply & { ok: true }> => {
    if (dead) return Promise.reject(dead);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      if (pending.size === 1) worker.ref();
      worker.postMessage({ ...req, id } as PgliteRequest);
    });
  };

  const query = async <T>(tx: number | undefined, sql: string, params: unknown[] = [], opts: QueryOptions = {}): Promise<Results<T>> => {
    const parsers: Parsers = opts.parsers ?? {};
    const rowMode = opts.rowMode ?? 'object';
    const reply = await call({ op: 'query', tx, sql, params, rowMode, rawTypes: Object.keys(parsers).map(Number) });
    return applyParsers(reply.result!, parsers, rowMode) as Results<T>;
  };

  const transaction = async <T>(fn: (tx: Transaction) => Promise<T>): Promise<T> => {
    const { tx: id } = await call({ op: 'begin' });
    const tx = {
      query: <R>(sql: string, params?: unknown[], opts?: QueryOptions) => query<R>(id, sql, params, opts),
    } as Transaction;
    let result: T;
    try {
      result = await fn(tx);
    } catch (err) {
      await call({ op: 'end', tx: id!, commit: false }).catch(() => {});
      throw err;
    }
    await call({ op: 'end', tx: id!, commit: true });
    return result;
  };

  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      try {
        if (!dead) await call({ op: 'close' });
      } finally {
        await worker.terminate();
      }
    })());

  const driver = {
    query: <T>(sql: string, params?: unknown[], opts?: QueryOptions) => query<T>(undefined, sql, params, opts),
    transaction,
    close,
  } as unknown as PGlite;
  return { driver, close };
}

/** The caller's parsers, run here on the text the thread left raw for their types (drizzle keeps dates as strings). */
function applyParsers(r: WireResults, parsers: Parsers, rowMode: 'array' | 'object'): WireResults {
  const cols = r.fields.map((f, i) => ({ i, name: f.name, parse: parsers[f.dataTypeID] })).filter((c) => c.parse);
  if (cols.length === 0) return r;
  for (const row of r.rows as Record<string | number, unknown>[]) {
    for (const c of cols) {
      const key = rowMode === 'array' ? c.i : c.name;
      const v = row[key];
      if (typeof v === 'string') row[key] = c.parse!(v);
    }
  }
  return r;
}
