// The embedded database on its own thread (store/pglite/): PGlite's query and transaction semantics through the
// thread, its errors with their SQLSTATE, and the point of it: the server's event loop turns while a statement runs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUniqueViolation } from '../../src/server/store/sql-guards.js';
import { openPgliteThread, type PgliteThreadClient } from '../../src/server/store/pglite/client.js';

const TIMEOUT = { timeout: 60_000 };

describe('PGlite on its own thread', () => {
  let db: PgliteThreadClient;
  beforeAll(async () => {
    db = await openPgliteThread(null);
    await db.driver.query('create table t (id int primary key, at timestamptz, blob bytea, note text)');
  }, 60_000);
  afterAll(() => db?.close());

  it('answers rows in either row mode, with dates, bytes and the caller’s parsers for raw types', TIMEOUT, async () => {
    const bytes = new Uint8Array([0, 1, 254, 255]);
    await db.driver.query('insert into t values ($1, $2, $3, $4)', [1, new Date('2026-01-02T03:04:05Z'), bytes, 'one']);
    const obj = await db.driver.query<{ id: number; blob: Uint8Array; note: string }>('select id, blob, note from t where id = 1');
    expect(obj.rows).toEqual([{ id: 1, blob: bytes, note: 'one' }]);
    const arr = await db.driver.query<unknown[]>('select id, note from t where id = 1', [], { rowMode: 'array' });
    expect(arr.rows).toEqual([[1, 'one']]);
    // drizzle keeps timestamps as PostgreSQL's text; here the parser marks what it was given.
    const parsed = await db.driver.query<{ at: string }>("select at at time zone 'UTC' as at from t where id = 1", [], {
      parsers: { 1114: (text: string) => `parsed:${text}` },
    });
    expect(parsed.rows[0]!.at).toBe('parsed:2026-01-02 03:04:05');
    expect((await db.driver.query('delete from t where id = 1')).affectedRows).toBe(1);
  });

  it('commits a transaction, rolls one back on a throw, and makes other statements wait for it', TIMEOUT, async () => {
    let outside: Promise<unknown> | undefined;
    let outsideDone = false;
    await db.driver.transaction(async (tx) => {
      await tx.query("insert into t (id, note) values (2, 'in tx')");
      outside = db.driver.query<{ n: number }>('select count(*)::int as n from t where id = 2').then((r) => {
        outsideDone = true;
        return r.rows[0]!.n;
      });
      await new Promise((r) => setTimeout(r, 100));
      expect(outsideDone).toBe(false); // as on PGlite itself: it waits for the open transaction
    });
    await expect(outside).resolves.toBe(1);

    await expect(
      db.driver.transaction(async (tx) => {
        await tx.query("insert into t (id, note) values (3, 'rolled back')");
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect((await db.driver.query('select * from t where id = 3')).rows).toEqual([]);
  });

  it('fails a statement with the database’s own error and SQLSTATE, and goes on', TIMEOUT, async () => {
    await db.driver.query("insert into t (id, note) values (4, 'first')");
    const err = await db.driver.query("insert into t (id, note) values (4, 'again')").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/duplicate key/);
    expect(isUniqueViolation(err)).toBe(true);
    expect((await db.driver.query<{ note: string }>('select note from t where id = 4')).rows).toEqual([{ note: 'first' }]);
  });

  it('leaves the event loop free while a long statement runs', TIMEOUT, async () => {
    let turns = 0;
    const timer = setInterval(() => turns++, 5);
    const t0 = performance.now();
    await db.driver.query('select count(*) from generate_series(1, 3000000) g, lateral (select md5(g::text)) m');
    const ms = performance.now() - t0;
    clearInterval(timer);
    // On the main thread PGlite's WASM holds the loop for the whole statement: not one timer would fire.
    expect(ms).toBeGreaterThan(100);
    expect(turns).toBeGreaterThan(ms / 5 / 4);
  });
});

describe('the embedded database thread, opening and closing', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('keeps rows on disk across a close and a reopen; a closed client says so', TIMEOUT, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facestream-pglite-'));
    dirs.push(dir);
    const a = await openPgliteThread(dir);
    await a.driver.query('create table kept (v text)');
    await a.driver.query("insert into kept values ('still here')");
    await a.close();
    await expect(a.driver.query('select 1')).rejects.toThrow(/embedded database thread stopped/);
    const b = await openPgliteThread(dir);
    expect((await b.driver.query('select v from kept')).rows).toEqual([{ v: 'still here' }]);
    await b.close();
  });

  it('fails to open with PGlite’s reason when the directory cannot hold a database', TIMEOUT, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facestream-pglite-'));
    dirs.push(dir);
    const file = path.join(dir, 'not-a-directory');
    fs.writeFileSync(file, 'x');
    await expect(openPgliteThread(file)).rejects.toThrow();
  });
});
