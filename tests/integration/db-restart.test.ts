// A PostgreSQL restart under a running server: live recognition goes on from the in-memory gallery, /ready reports the
// outage, a check-in seen while the database is down is written with its original time once it is back, and nothing
// half-written appears. Uses its own throwaway cluster (scripts/pg-test-cluster.sh), which it stops and starts.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { openStore } from '../../src/server/store/db.js';
import { freePort } from '../helpers/camera-streams.js';
import { startPgFaultProxy } from '../helpers/pg-fault-proxy.js';
import { startTestServer, tempDir } from '../helpers/server.js';
import { TestClient, fixture } from '../helpers/ws-client.js';

const SCRIPT = path.resolve('scripts/pg-test-cluster.sh');

function cluster(...args: string[]): string {
  return execFileSync('bash', [SCRIPT, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    .trim()
    .split('\n')
    .at(-1)!;
}

let dir: string;
let url: string;
let PORT: number;
beforeAll(async () => {
  dir = tempDir('facestream-pgrestart-');
  fs.chmodSync(dir, 0o755); // the cluster runs as the postgres user
  // A port free now, not a fixed one: on a busy machine a fixed port in the ephemeral range can be some client's local
  // port at that moment, and PostgreSQL then cannot listen there (seen once in a full run). A start that fails anyway
  // is tried on another port, and the last failure carries PostgreSQL's own log.
  for (let attempt = 1; ; attempt++) {
    PORT = process.env.DB_RESTART_TEST_PORT ? Number(process.env.DB_RESTART_TEST_PORT) : await freePort();
    try {
      url = cluster('start', path.join(dir, 'pg'), String(PORT));
      return;
    } catch (err) {
      const log = path.join(dir, 'pg', 'server.log');
      const tail = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').slice(-15).join('\n') : '(no server.log)';
      if (attempt >= 3 || process.env.DB_RESTART_TEST_PORT) throw new Error(`${String(err)}\nserver.log:\n${tail}`, { cause: err });
    }
  }
});
afterAll(() => {
  cluster('stop', path.join(dir, 'pg'));
  fs.rmSync(dir, { recursive: true, force: true });
});

// Runs before the server below loads the models: tfjs's WASM module turns any unhandled rejection into a process exit,
// which is how this bug showed in CI (a test fork that "exited unexpectedly"). Here it fails as an assertion.
describe('connections cut by a restart', () => {
  it('reject only the queries that were asked, never with an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const proxy = await startPgFaultProxy({ host: '127.0.0.1', port: PORT });
    const store = await openStore({ databaseUrl: proxy.url(new URL(url).pathname.slice(1)), dataDir: tempDir() });
    try {
      await store.ping();
      // The restart reaches both the connections the pool holds and one it opens meanwhile, at its first query (by
      // default postgres.js makes that an array-type lookup of its own, whose failure nothing could catch).
      await proxy.terminateAll();
      proxy.failNextFirstQuery();
      await expect(store.ping()).rejects.toThrow();
      expect(proxy.terminated).toBeGreaterThanOrEqual(2);
      const answer = () =>
        store.ping().then(
          () => 'up',
          (err: Error) => err.message,
        );
      await expect.poll(answer, { timeout: 10_000, interval: 200 }).toBe('up');
      await new Promise((resolve) => setTimeout(resolve, 200)); // a late rejection would surface by now
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await store.close();
      await proxy.close();
    }
  });
});

describe('database restart', () => {
  let server: RunningServer;
  let admin: postgres.Sql;

  beforeAll(async () => {
    server = await startTestServer({ DATABASE_URL: url, DATA_DIR: dir, CHECKIN_RETRY_MS: '500' });
    // Raw rows are read and cleared on a connection of the test's own, not through the server's store.
    admin = postgres(url, { max: 1, onnotice: () => {}, fetch_types: false });
  });
  afterAll(async () => {
    await server?.close();
    await admin?.end({ timeout: 5 });
  });

  it('keeps recognizing while PostgreSQL is down and writes the check-in seen meanwhile once it is back', async () => {
    const enroller = await TestClient.connect(server.url);
    enroller.sendJson({ type: 'enrol.start', name: 'Guido van Rossum', samples: 3 });
    const done = enroller.next((m) => m.type === 'enrol.done');
    for (const n of [1, 2, 4]) await enroller.frame(fixture(`Guido_van_Rossum/${n}.jpg`));
    await done;
    enroller.close();
    // the enrolment itself checked Guido in once; forget that so the next sighting counts
    await server.checkins!.whenIdle();
    await admin`delete from check_ins`;
    server.checkins!.forget();

    cluster('stop', path.join(dir, 'pg'));
    expect((await server.app.request('/ready')).status).toBe(503);

    const camera = await TestClient.connect(server.url);
    const seenAt = Date.now();
    const overlay = await camera.frame(fixture('Guido_van_Rossum/5.jpg'));
    expect(overlay.tracks[0]).toMatchObject({ state: 'recognized', name: 'Guido van Rossum' });
    await expect.poll(() => server.checkins!.pending, { timeout: 10_000 }).toBe(1);
    camera.close(); // the person leaves before the database is back

    cluster('start', path.join(dir, 'pg'), String(PORT));
    await expect.poll(async () => (await server.app.request('/ready')).status, { timeout: 30_000, interval: 500 }).toBe(200);
    await expect.poll(() => server.checkins!.pending, { timeout: 30_000, interval: 500 }).toBe(0);
    const rows = await admin<{ at: Date }[]>`select at from check_ins`;
    expect(rows).toHaveLength(1);
    // written with the time it was seen, not the time the database came back
    expect(Math.abs(rows[0]!.at.getTime() - seenAt)).toBeLessThan(5_000);
    expect(await server.store.listPeople()).toMatchObject([{ name: 'Guido van Rossum', faces: 3 }]);
  });
});
