// REST and live streams together: bulk imports run as jobs behind live frames, a person deleted over REST stops being
// recognized on open sockets, and (with PostgreSQL) a second server on the same database follows at once.
import fs from 'node:fs';
import path from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { api } from '../helpers/http.js';
import { describeEachDatabase, startTestServer, tempDir } from '../helpers/server.js';
import { FIXTURES, TestClient, fixture } from '../helpers/ws-client.js';
import { rawDrizzle } from '../../src/server/store/db.js';

type Job = {
  state: string;
  total: number;
  processed: number;
  accepted: number;
  rejected: number;
  url: string;
  results: { file: string; status: string; code?: string }[];
};

async function waitJob(http: ReturnType<typeof api>, url: string, timeoutMs = 120_000): Promise<Job> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const job = (await (await http.get(url)).json()) as Job;
    if (job.state === 'done' || job.state === 'failed') return job;
    if (Date.now() > end) throw new Error(`job still ${job.state}: ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const recognizedAs = async (client: TestClient, rel: string) => {
  const o = await client.frame(fixture(rel));
  return o.tracks.map((t) => t.name ?? t.state);
};

describeEachDatabase('REST with live streams on $name', (target) => {
  let env: Record<string, string>;
  let server: RunningServer;
  let http: ReturnType<typeof api>;

  beforeAll(async () => {
    env = await target.freshEnv();
    server = await startTestServer(env);
    http = api(server);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('imports a zip as a background job with a per-image report, while live frames keep flowing', async () => {
    const files: Record<string, Uint8Array> = {};
    for (const person of ['Barack_Obama', 'Guido_van_Rossum', 'Paul_Allen']) {
      for (const f of fs.readdirSync(path.join(FIXTURES, person))) files[`gallery/${person}/${f}`] = fixture(`${person}/${f}`);
    }
    files['gallery/Paul_Allen/readme.txt'] = new TextEncoder().encode('not an image');
    files['gallery/stray.jpg'] = fixture('Amy/1.jpg');
    files['gallery/_group/two.jpg'] = fixture('_group/two_people.jpg');
    const res = await http.upload('/api/v1/imports/zip', [{ field: 'file', name: 'gallery.zip', bytes: zipSync(files), type: 'application/zip' }]);
    expect(res.status).toBe(202);
    const started = (await res.json()) as Job;
    // The request only stores the zip; the job reads it.
    expect(started).toMatchObject({ state: 'queued', total: 0 });

    // A live stream during the import is answered every time.
    const live = await TestClient.connect(server.url);
    const latencies: number[] = [];
    let job: Job = started;
    while (!['done', 'failed'].includes(job.state)) {
      const t0 = performance.now();
      await live.frame(fixture('Joe_Biden/1.jpg'));
      latencies.push(performance.now() - t0);
      job = (await (await http.get(started.url)).json()) as Job;
    }
    live.close();
    job = await waitJob(http, started.url);
    expect(job.state).toBe('done');
    expect(job.processed).toBe(18);
    const by = Object.fromEntries(job.results.map((r) => [r.file, r]));
    expect(by['gallery/Paul_Allen/readme.txt']).toMatchObject({ status: 'rejected', code: 'not_an_image' });
    expect(by['gallery/stray.jpg']).toMatchObject({ status: 'rejected', code: 'bad_layout' });
    expect(by['gallery/_group/two.jpg']).toMatchObject({ status: 'skipped', code: 'ignored' });
    const people = (await server.store.listPeople()).map((p) => p.name);
    expect(people).toEqual(['Barack Obama', 'Guido van Rossum', 'Paul Allen']);
    expect(job.accepted).toBe((await server.store.listPeople()).reduce((n, p) => n + p.faces, 0));
    expect(latencies.length).toBeGreaterThan(0);
  });

  it('imports a server-side folder (admin) and refuses a path that is not a directory', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'Joe_Biden'));
    for (const f of ['1.jpg', '2.jpg']) fs.copyFileSync(path.join(FIXTURES, 'Joe_Biden', f), path.join(dir, 'Joe_Biden', f));
    fs.mkdirSync(path.join(dir, 'Skip_Me'));
    fs.copyFileSync(path.join(FIXTURES, 'Amy', '1.jpg'), path.join(dir, 'Skip_Me', '1.jpg'));
    const res = await http.json('POST', '/api/v1/imports/folder', { path: dir, exclude: ['Skip_Me'] });
    expect(res.status).toBe(202);
    const job = await waitJob(http, ((await res.json()) as Job).url);
    expect(job).toMatchObject({ state: 'done', total: 3, skipped: 1 });
    expect((await server.store.listPeople()).map((p) => p.name)).toContain('Joe Biden');
    expect((await server.store.listPeople()).map((p) => p.name)).not.toContain('Skip Me');
    const bad = await http.json('POST', '/api/v1/imports/folder', { path: path.join(dir, 'nope') });
    expect(bad.status).toBe(422);
    const notZip = await http.upload('/api/v1/imports/zip', [{ field: 'file', name: 'x.zip', bytes: new Uint8Array([1, 2, 3]) }]);
    expect(notZip.status).toBe(422);
  });

  it('forgets a person deleted over REST on a live socket at once', async () => {
    const client = await TestClient.connect(server.url);
    expect(await recognizedAs(client, 'Guido_van_Rossum/4.jpg')).toEqual(['Guido van Rossum']);
    const guido = (await server.store.listPeople()).find((p) => p.name === 'Guido van Rossum')!;
    const changed = client.next((m) => m.type === 'gallery.changed');
    expect((await http.del(`/api/v1/people/${guido.id}`)).status).toBe(204);
    await changed;
    expect(await recognizedAs(client, 'Guido_van_Rossum/4.jpg')).toEqual(['unknown']);
    client.close();
  });

  it('names an unknown face as soon as its person is enrolled over REST, from the embeddings its track already has', async () => {
    const client = await TestClient.connect(server.url);
    // Enough frames for the track's full vote window: after them, a still face is embedded only every REEMBED_EVERY frames.
    let last;
    for (let i = 0; i < 8; i++) last = await client.frame(fixture('Lin-Manuel_Miranda/1.jpg'));
    expect(last!.tracks.map((t) => t.state)).toEqual(['unknown']);
    const changed = client.next((m) => m.type === 'gallery.changed');
    const lin = (await (await http.json('POST', '/api/v1/people', { name: 'Lin-Manuel Miranda' })).json()) as { id: string };
    const added = await http.upload(`/api/v1/people/${lin.id}/faces`, [{ field: 'images', name: '1.jpg', bytes: fixture('Lin-Manuel_Miranda/1.jpg') }]);
    expect(added.status).toBe(200);
    await changed;
    // The next frame names him, and no face was embedded for it (an embedding takes milliseconds; this is the empty
    // call's timer): the votes were decided again on the new gallery.
    const next = await client.frame(fixture('Lin-Manuel_Miranda/1.jpg'));
    expect(next.tracks.map((t) => t.name)).toEqual(['Lin-Manuel Miranda']);
    expect(next.timings.embed).toBeLessThan(1);
    client.close();
  });

  // Several servers can share one database only on PostgreSQL (PGlite is one process): registered there alone.
  if (target.name === 'postgres')
    it('keeps a second server on the same database in step', async () => {
      const other = await startTestServer({ ...env });
      try {
        // A check-in recorded by one server reaches the kiosks of the other.
        await rawDrizzle(server.store).execute('delete from check_ins');
        server.checkins!.forget();
        other.checkins!.forget();
        const kiosk = await TestClient.connect(server.url, { kiosk: true });
        const pushed = kiosk.next((m) => m.type === 'checkin', 10_000);
        const client = await TestClient.connect(other.url);
        expect(await recognizedAs(client, 'Paul_Allen/5.jpg')).toEqual(['Paul Allen']);
        expect(await pushed).toMatchObject({ type: 'checkin', checkin: { name: 'Paul Allen' } });
        kiosk.close();
        const paul = (await server.store.listPeople()).find((p) => p.name === 'Paul Allen')!;
        const changed = client.next((m) => m.type === 'gallery.changed', 5000);
        expect((await http.del(`/api/v1/people/${paul.id}`)).status).toBe(204);
        await changed;
        expect(other.gallery.stats().people).toBe(server.gallery.stats().people);
        expect(await recognizedAs(client, 'Paul_Allen/5.jpg')).toEqual(['unknown']);

        // Faces added on one server are searched on the other.
        const amy = (await (await http.json('POST', '/api/v1/people', { name: 'Amy' })).json()) as { id: string };
        const added = client.next((m) => m.type === 'gallery.changed', 5000);
        const res = (await (await http.upload(`/api/v1/people/${amy.id}/faces`, [{ field: 'images', name: '1.jpg', bytes: fixture('Amy/1.jpg') }])).json()) as {
          accepted: number;
        };
        expect(res.accepted).toBe(1);
        await added;
        expect(other.gallery.stats().faces).toBe(server.gallery.stats().faces);
        client.close();
      } finally {
        await other.close();
      }
    });
});
