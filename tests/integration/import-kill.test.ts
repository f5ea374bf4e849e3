// kill -9 at the import commit point: a server in its own process is killed as soon as the first person of a folder
// import is committed, then started again on the same database. The job must be resumed (not lost, not run twice): no
// person without faces, no face stored twice, every person of the folder there, and the job done on its second attempt.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import postgres from 'postgres';
import { afterAll, expect, it } from 'vitest';
import { openStore, rawDrizzle } from '../../src/server/store/db.js';
import { spawnServer, type ChildServer } from '../helpers/child-server.js';
import { waitJob, type Job } from '../helpers/imports.js';
import { describeEachDatabase, tempDir } from '../helpers/server.js';
import { FIXTURES } from '../helpers/ws-client.js';

const PEOPLE = ['Barack_Obama', 'Guido_van_Rossum', 'Joe_Biden', 'Paul_Allen'];

describeEachDatabase('kill -9 during an import on $name', (target) => {
  const children: ChildServer[] = [];
  afterAll(async () => {
    await Promise.all(children.map((c) => c.kill9()));
  });

  it('resumes the job after a restart, with nothing half-written and nothing twice', { timeout: 420_000 }, async () => {
    const env = await target.freshEnv();
    const dir = tempDir('facestream-kill-import-');
    let images = 0;
    for (const person of PEOPLE) {
      fs.mkdirSync(path.join(dir, person));
      for (const f of fs.readdirSync(path.join(FIXTURES, person))) (fs.copyFileSync(path.join(FIXTURES, person, f), path.join(dir, person, f)), (images += 1));
    }
    const first = await spawnServer(env);
    children.push(first);
    const call = (server: ChildServer) => (url: string) => fetch(server.url + url);
    const res = await fetch(`${first.url}/api/v1/imports/folder`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ path: dir }),
    });
    expect(res.status).toBe(202);
    const { id, url } = (await res.json()) as Job;

    // The commit point: on PostgreSQL the first face rows themselves (before the job has recorded them), on PGlite
    // (one process only) the job's first accepted count.
    const sql = env.DATABASE_URL ? postgres(env.DATABASE_URL, { max: 1, onnotice: () => {} }) : null;
    const committed = async () =>
      sql ? Number((await sql`select count(*)::int as n from faces`)[0]!.n) : ((await (await call(first)(url)).json()) as Job).accepted;
    const t0 = Date.now();
    while ((await committed()) === 0) {
      if (Date.now() - t0 > 180_000) throw new Error(`no commit: ${first.log().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    await first.kill9();
    await sql?.end();

    const second = await spawnServer(env);
    children.push(second);
    const job = await waitJob(call(second), url, 300_000);
    expect(job).toMatchObject({ id, state: 'done', attempts: 2, total: images, processed: images });
    expect(second.log()).toContain('import resumed after a restart');
    const stored = job.results.filter((r) => r.code === 'already_stored').length;
    expect(stored).toBeGreaterThan(0);
    await second.stop();

    // The database itself, with the server gone.
    const store = await openStore({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR! });
    try {
      const people = await store.listPeople();
      expect(people.map((p) => p.name)).toEqual(['Barack Obama', 'Guido van Rossum', 'Joe Biden', 'Paul Allen']);
      expect(people.every((p) => p.faces > 0)).toBe(true);
      const faces = people.reduce((n, p) => n + p.faces, 0);
      // Each stored face is either accepted in the resumed run or one the killed run had committed.
      expect(faces).toBe(job.accepted + stored);
      const rows = (await rawDrizzle(store).execute(
        'select person_id, source_hash, count(*)::int as n from faces group by 1, 2 having count(*) > 1',
      )) as unknown as { rows?: unknown[] } | unknown[];
      expect(Array.isArray(rows) ? rows : rows.rows).toEqual([]);
      const hashless = (await rawDrizzle(store).execute('select count(*)::int as n from faces where source_hash is null')) as unknown as
        { rows?: { n: number }[] } | { n: number }[];
      expect((Array.isArray(hashless) ? hashless : hashless.rows!)[0]!.n).toBe(0);
    } finally {
      await store.close();
    }
  });
});

describeEachDatabase('kill -9 during a gallery file import on $name', (target) => {
  const children: ChildServer[] = [];
  afterAll(async () => {
    await Promise.all(children.map((c) => c.kill9()));
  });

  it('keeps the batches committed before the kill, and the same file imported again adds only the rest', { timeout: 420_000 }, async () => {
    const env: Record<string, string> = { ...(await target.freshEnv()), GALLERY_IMPORT_BATCH_PEOPLE: '2' };
    const first = await spawnServer({ ...env, TEST_CRASH_AT: 'gallery-import.after-batch' });
    children.push(first);
    // The model's id and dimensions, from the header of an (empty) export.
    const exported = Buffer.from(await (await fetch(`${first.url}/api/v1/gallery/export`)).arrayBuffer());
    const header = JSON.parse(zlib.gunzipSync(exported).toString().split('\n')[0]!) as { modelId: string; dims: number };
    const names = ['Ada Lovelace', 'Alan Turing', 'Grace Hopper', 'Edsger Dijkstra', 'Barbara Liskov'];
    const lines = [JSON.stringify({ type: 'header', format: 'facestream-gallery', version: 1, modelId: header.modelId, dims: header.dims })];
    names.forEach((name, i) => {
      const v = Float32Array.from({ length: header.dims }, (_, k) => (k === i ? 1 : 0));
      const embedding = Buffer.from(v.buffer).toString('base64');
      lines.push(JSON.stringify({ type: 'person', name, createdAt: new Date().toISOString(), faces: [{ embedding, crop: null, quality: null }] }));
    });
    const file = zlib.gzipSync(lines.join('\n') + '\n');
    const post = (server: ChildServer) => {
      const form = new FormData();
      form.append('file', new Blob([file], { type: 'application/gzip' }), 'g.jsonl.gz');
      return fetch(`${server.url}/api/v1/gallery/import`, { method: 'POST', body: form });
    };
    // The server kills itself once the first batch (two people) is committed: the request gets no answer.
    await expect(post(first)).rejects.toThrow();
    await first.kill9();

    const second = await spawnServer(env);
    children.push(second);
    const res = await post(second);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ peopleCreated: 3, peopleMerged: 2, facesAdded: 3, facesSkipped: 2 });
    await second.stop();

    const store = await openStore({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR! });
    try {
      const people = await store.listPeople();
      expect(people.map((p) => p.name).sort()).toEqual([...names].sort());
      expect(people.every((p) => p.faces === 1)).toBe(true);
    } finally {
      await store.close();
    }
  });
});
