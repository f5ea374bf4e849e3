// A PostgreSQL restart under a running server: live recognition goes on from the in-memory gallery, /ready reports the
// outage, a check-in seen while the database is down is written with its original time once it is back, and nothing
// half-written appears. Uses its own throwaway cluster (scripts/pg-test-cluster.sh), which it stops and starts.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { startTestServer, tempDir } from '../helpers/server.js';
import { TestClient, fixture } from '../helpers/ws-client.js';
import { rawDrizzle } from '../../src/server/store/db.js';

const SCRIPT = path.resolve('scripts/pg-test-cluster.sh');
const PORT = Number(process.env.DB_RESTART_TEST_PORT ?? 55480);

function cluster(...args: string[]): string {
  return execFileSync('bash', [SCRIPT, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    .trim()
    .split('\n')
    .at(-1)!;
}

describe('database restart', () => {
  let dir: string;
  let url: string;
  let server: RunningServer;

  beforeAll(async () => {
    dir = tempDir('facestream-pgrestart-');
    fs.chmodSync(dir, 0o755); // the cluster runs as the postgres user
    url = cluster('start', path.join(dir, 'pg'), String(PORT));
    server = await startTestServer({ DATABASE_URL: url, DATA_DIR: dir, CHECKIN_RETRY_MS: '500' });
  });
  afterAll(async () => {
    await server?.close();
    cluster('stop', path.join(dir, 'pg'));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps recognizing while PostgreSQL is down and writes the check-in seen meanwhile once it is back', async () => {
    const enroller = await TestClient.connect(server.url);
    enroller.sendJson({ type: 'enrol.start', name: 'Guido van Rossum', samples: 3 });
    const done = enroller.next((m) => m.type === 'enrol.done');
    for (const n of [1, 2, 4]) await enroller.frame(fixture(`Guido_van_Rossum/${n}.jpg`));
    await done;
    enroller.close();
    // the enrolment itself checked Guido in once; forget that so the next sighting counts
    await rawDrizzle(server.store).execute('delete from check_ins');
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
    const rows = (await rawDrizzle(server.store).execute('select at from check_ins')) as unknown as { at: Date | string }[] | { rows: { at: Date | string }[] };
    const list = Array.isArray(rows) ? rows : rows.rows;
    expect(list).toHaveLength(1);
    // written with the time it was seen, not the time the database came back
    expect(Math.abs(new Date(list[0]!.at).getTime() - seenAt)).toBeLessThan(5_000);
    expect(await server.store.listPeople()).toMatchObject([{ name: 'Guido van Rossum', faces: 3 }]);
  });
});
