// The import jobs repository on PGlite and, when TEST_DATABASE_URL is set, PostgreSQL: a run clears the previous
// run's results, progress writes results and counters together, unfinished jobs are found per owner, and pruning keeps
// the newest finished jobs (and every unfinished one); and the runner never runs one job twice.
import fs from 'node:fs';
import { eq } from 'drizzle-orm';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Gallery } from '../../src/server/gallery/gallery.js';
import { JobRunner } from '../../src/server/imports/job-runner.js';
import { silentLogger } from '../../src/server/log.js';
import { openStore, rawDrizzle } from '../../src/server/store/db.js';
import { zeroCounts } from '../../src/server/store/jobs-repo.js';
import { importJobs } from '../../src/server/store/schema.js';
import type { Store } from '../../src/server/store/types.js';
import { matchPolicyOf } from '../../src/server/recognition/match-policy.js';
import { describeEachDatabase, tempDir, testConfig } from '../helpers/server.js';

describeEachDatabase('import jobs repository on $name', (target) => {
  let store: Store;
  beforeAll(async () => {
    const env = await target.freshEnv();
    store = await openStore({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR! });
  }, 60_000);
  afterAll(async () => {
    await store?.close();
  });

  it('runs, records, resumes and prunes jobs', { timeout: 60_000 }, async () => {
    const repo = store.jobs;
    const job = await repo.create({ kind: 'zip', source: 'a.zip', sourcePath: '/x/a.zip', owner: 'me' });
    expect(job).toMatchObject({ state: 'queued', attempts: 0, total: 0, exclude: [] });

    await repo.begin(job.id);
    await repo.progress(job.id, { ...zeroCounts(), total: 3, processed: 2, rejected: 2 }, 0, [
      { file: 'a', status: 'rejected' },
      { file: 'b', status: 'rejected' },
    ]);
    expect(await repo.results(job.id)).toEqual([
      { file: 'a', status: 'rejected' },
      { file: 'b', status: 'rejected' },
    ]);
    expect(await repo.unfinished('me')).toHaveLength(1);
    expect(await repo.unfinished('someone else')).toHaveLength(0);

    // A second run (after a crash) starts clean and counts as a second attempt.
    expect(await repo.begin(job.id)).toMatchObject({ state: 'running', attempts: 2, processed: 0, total: 0 });
    expect(await repo.results(job.id)).toEqual([]);
    // A clean shutdown puts it back in the queue without counting the run.
    await repo.finish(job.id, 'queued');
    expect(await repo.get(job.id)).toMatchObject({ state: 'queued', attempts: 1, finishedAt: null });
    await repo.begin(job.id);
    await repo.finish(job.id, 'done');
    expect((await repo.get(job.id))!.finishedAt).toBeInstanceOf(Date);
    expect(await repo.unfinished('me')).toHaveLength(0);

    const open = await repo.create({ kind: 'folder', source: '/f', sourcePath: '/f', owner: 'me', exclude: ['x'] });
    for (let i = 0; i < 5; i++) await repo.finish((await repo.create({ kind: 'folder', source: `/f${i}`, sourcePath: '/f', owner: 'me' })).id, 'failed', 'x');
    await repo.prune(3);
    const left = await repo.list(100);
    // The newest three (the last finished ones) and the queued one, whatever its age.
    expect(left.map((j) => j.source)).toEqual(['/f4', '/f3', '/f2', '/f']);
    expect(left.find((j) => j.id === open.id)).toMatchObject({ exclude: ['x'], state: 'queued' });
    expect(await repo.get(job.id)).toBeNull();
  });

  it('runs a job queued while recover() reads the table once, not twice', { timeout: 60_000 }, async () => {
    // Before: recover() at start found the first upload's fresh row "queued" and ran it again (then ENOENT: failed).
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'stray.jpg'), 'x'); // planned as bad_layout: no inference needed
    const config = testConfig({ DATA_DIR: tempDir() });
    const published: unknown[] = [];
    // Nothing here reaches the gallery or the models: the only entry is refused while planning.
    const runner = new JobRunner({
      config,
      store,
      gallery: {} as Gallery,
      analyzer: { modelId: 'm', dims: 4 },
      scheduler: {} as never,
      policy: matchPolicyOf(config),
      log: silentLogger,
      galleryService: {
        enrol: async () => Promise.reject(new Error('nothing is enrolled here')),
        importBatch: async () => Promise.reject(new Error('no gallery file here')),
        announce: async (o?: unknown) => void published.push(o),
      },
    });
    const job = await runner.startFolder(dir);
    await runner.idle();
    expect(await runner.repo.get(job.id)).toMatchObject({ state: 'done', attempts: 1, total: 1, rejected: 1 });
    // What recover() read in that race: this runner's own new job, still queued. It must leave it alone.
    await rawDrizzle(store).update(importJobs).set({ state: 'queued' }).where(eq(importJobs.id, job.id));
    await runner.recover();
    await runner.idle();
    expect(await runner.repo.get(job.id)).toMatchObject({ attempts: 1, total: 1, rejected: 1 });
    expect(await runner.repo.results(job.id)).toEqual([expect.objectContaining({ file: 'stray.jpg', code: 'bad_layout' })]);
    expect(published).toEqual([]);
  });
});
