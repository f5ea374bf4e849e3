// Two servers on one PostgreSQL (issue 19): an enrolment, rename, merge and delete made on server A is searchable, or
// gone, on server B within 200 ms (the median of 5 rounds: the machine is shared), applied from the change log without a full reload of B's index. A server whose
// connection to the database was cut (its notifications lost) converges from the change log once it is back, still
// without a rebuild. B reaches PostgreSQL through a proxy that can cut its connections and hold new ones.
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { startPgFaultProxy, type PgFaultProxy } from '../helpers/pg-fault-proxy.js';
import { pgTitle } from '../helpers/postgres.js';
import { startTestServer } from '../helpers/server.js';

const url = process.env.TEST_DATABASE_URL;
/** How soon a change made on A must be searchable (or gone) on B. */
const WITHIN_MS = 200;
/** Rounds of the five changes; the median of each is held to WITHIN_MS (every one to a second). */
const ROUNDS = 5;

describe.skipIf(!url)(pgTitle('two servers on one PostgreSQL follow each other from the change log'), () => {
  let a: RunningServer;
  let b: RunningServer;
  let proxy: PgFaultProxy;
  let dims = 0;
  const unit = (i: number) => Float32Array.from({ length: dims }, (_, k) => (k === i ? 1 : 0));
  // Test 1 uses dimensions 0..3 * ROUNDS - 1, test 2 the next two.

  beforeAll(async () => {
    const sql = postgres(url!, { max: 1, onnotice: () => {} });
    await sql.unsafe('drop schema if exists public cascade; create schema public; drop schema if exists drizzle cascade;');
    await sql.end();
    const target = new URL(url!);
    proxy = await startPgFaultProxy({ host: target.hostname, port: Number(target.port) });
    a = await startTestServer({ DATABASE_URL: url! });
    // No poll on B: what it learns comes from notifications, or from the catch-up when its connection is back.
    b = await startTestServer({ DATABASE_URL: proxy.url(target.pathname.slice(1)), GALLERY_SYNC_POLL_MS: '0' });
    dims = a.gallery.stats().dims;
  }, 300_000);
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await proxy?.close();
  });

  /** Milliseconds from `change` (awaited on A) until `seen` holds on B; fails past a second. */
  async function lag(change: () => Promise<unknown>, seen: () => boolean): Promise<number> {
    const t0 = performance.now();
    await change();
    while (!seen()) {
      if (performance.now() - t0 > 1000) throw new Error('B did not follow within a second');
      await new Promise((r) => setTimeout(r, 1));
    }
    return performance.now() - t0;
  }

  it(`an enrolment, rename, merge and delete on A reach B within ${WITHIN_MS} ms, without a full reload`, { timeout: 120_000 }, async () => {
    const builds = b.gallery.builds();
    const lags: Record<string, number[]> = { enrol: [], rename: [], merge: [], deleteFace: [], deletePerson: [] };
    // A few rounds: the machine these run on is shared, so one sample can wait for a core; the median cannot.
    for (let r = 0; r < ROUNDS; r++) {
      const d = 3 * r;
      let ada!: { personId: string; faceIds: string[] };
      lags.enrol!.push(
        await lag(
          async () => (ada = await a.galleryService.enrol(`Ada ${r}`, [{ embedding: unit(d) }, { embedding: unit(d + 1) }])),
          () => b.gallery.identify(unit(d + 1), 0.99)?.name === `Ada ${r}`,
        ),
      );
      lags.rename!.push(
        await lag(
          () => a.galleryService.renamePerson(ada.personId, `Augusta Ada King ${r}`),
          () => b.gallery.identify(unit(d), 0.99)?.name === `Augusta Ada King ${r}`,
        ),
      );
      const alan = await a.galleryService.enrol(`Alan ${r}`, [{ embedding: unit(d + 2) }]);
      lags.merge!.push(
        await lag(
          () => a.galleryService.mergePeople(ada.personId, alan.personId),
          () => b.gallery.identify(unit(d + 2), 0.99)?.personId === ada.personId,
        ),
      );
      expect(b.gallery.identify(unit(d + 2), 0.99)?.name).toBe(`Augusta Ada King ${r}`);
      lags.deleteFace!.push(
        await lag(
          () => a.galleryService.deleteFace(ada.faceIds[1]!),
          () => b.gallery.identify(unit(d + 1), 0.99) === null,
        ),
      );
      lags.deletePerson!.push(
        await lag(
          () => a.galleryService.deletePerson(ada.personId),
          () => b.gallery.stats().people === 0,
        ),
      );
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    console.log('change on A -> searchable on B, ms:', JSON.stringify(Object.fromEntries(Object.entries(lags).map(([k, v]) => [k, v.map(Math.round)]))));
    for (const v of Object.values(lags)) expect(median(v)).toBeLessThan(WITHIN_MS);
    expect(b.gallery.builds()).toBe(builds);
    expect(b.galleryService.syncStats()).toMatchObject({ fullReloads: 0, applied: a.galleryService.syncStats().applied });
    expect(a.gallery.stats()).toMatchObject({ people: 0, faces: 0 });
    // What an operator sees of it: B's metrics.
    const metrics = await (await fetch(`${b.url}/metrics`)).text();
    expect(metrics).toMatch(/^facestream_gallery_full_reloads 0$/m);
    expect(Number(/^facestream_gallery_changes_applied (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(6 * ROUNDS);
    expect(Number(/^facestream_gallery_changelog_applied_seq (\d+)$/m.exec(metrics)?.[1])).toBe(a.galleryService.syncStats().applied);
  });

  it('a server whose connection was cut converges from the change log when it is back, without a rebuild', { timeout: 60_000 }, async () => {
    const builds = b.gallery.builds();
    const before = b.galleryService.syncStats();
    proxy.pause();
    await proxy.terminateAll();
    // B hears nothing of these: its listening connection is gone and cannot come back yet.
    const grace = await a.galleryService.enrol('Grace Hopper', [{ embedding: unit(3 * ROUNDS) }]);
    const edsger = await a.galleryService.enrol('Edsger Dijkstra', [{ embedding: unit(3 * ROUNDS + 1) }]);
    await a.galleryService.renamePerson(grace.personId, 'Grace Brewster Hopper');
    await a.galleryService.deletePerson(edsger.personId);
    await new Promise((r) => setTimeout(r, 300));
    expect(b.gallery.identify(unit(3 * ROUNDS), 0.99)).toBeNull();
    expect(b.galleryService.syncStats().applied).toBe(before.applied);

    proxy.resume();
    const t0 = performance.now();
    while (b.galleryService.syncStats().applied < a.galleryService.syncStats().applied) {
      if (performance.now() - t0 > 20_000) throw new Error('B did not catch up within 20 s of its connection coming back');
      await new Promise((r) => setTimeout(r, 10));
    }
    console.log(
      `B caught up ${b.galleryService.syncStats().applied - before.applied} changes ${Math.round(performance.now() - t0)} ms after its connection came back`,
    );
    expect(b.gallery.identify(unit(3 * ROUNDS), 0.99)?.name).toBe('Grace Brewster Hopper');
    expect(b.gallery.identify(unit(3 * ROUNDS + 1), 0.99)).toBeNull();
    expect(b.gallery.builds()).toBe(builds);
    expect(b.galleryService.syncStats().fullReloads).toBe(0);
    expect(proxy.terminated).toBeGreaterThan(0);
  });
});
