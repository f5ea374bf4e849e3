// Imports that cannot kill or fool the server, through the REST API on a real server with real models: a zip bomb is
// refused entry by entry in the job while the server stays responsive, a zip uploaded twice adds nothing, odd and
// duplicate paths are listed, gallery files with a newline bomb, vectors of absurd norm or non-JPEG crops are refused,
// folder imports refuse relative paths and report vanished files per file, and jobs outlive the server (those left
// running by a dead process are resumed, or failed with the reason).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { bytesToEmbedding, embeddingToBytes } from '../../src/server/store/embedding-bytes.js';
import { importJobs } from '../../src/server/store/schema.js';
import { api, errorCode } from '../helpers/http.js';
import { deflatedZip, waitJob, type Job } from '../helpers/imports.js';
import { describeEachDatabase, startTestServer, tempDir } from '../helpers/server.js';
import { FIXTURES, fixture } from '../helpers/ws-client.js';
import { rawDrizzle } from '../../src/server/store/db.js';

const zipUpload = (bytes: Uint8Array, name = 'people.zip') => [{ field: 'file', name, bytes, type: 'application/zip' }];

describeEachDatabase('imports on $name', (target) => {
  let env: Record<string, string>;
  let server: RunningServer;
  let http: ReturnType<typeof api>;
  const faceCount = async () => (await server.store.listPeople()).reduce((n, p) => n + p.faces, 0);

  beforeAll(async () => {
    env = await target.freshEnv();
    server = await startTestServer(env);
    http = api(server);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers a zip bomb at once and refuses each bomb entry in the job, naming it, while /health stays fast', async () => {
    // Before: 150 x 10 MB of zeros were inflated by unzipSync inside the request (+1.5 GB; /health took 16 s).
    const zeros = new Uint8Array(10_000_000);
    const bomb = deflatedZip([['Amy/1.jpg', fixture('Amy/1.jpg')], ...Array.from({ length: 150 }, (_, i) => [`Bomb/${i}.jpg`, zeros] as [string, Uint8Array])]);
    const t0 = performance.now();
    const res = await http.upload('/api/v1/imports/zip', zipUpload(bomb, 'bomb.zip'));
    expect(res.status).toBe(202);
    expect(performance.now() - t0).toBeLessThan(2000);
    const started = (await res.json()) as Job;
    const t1 = performance.now();
    expect((await server.app.request('/health')).status).toBe(200);
    expect(performance.now() - t1).toBeLessThan(1000);
    const job = await waitJob(http.get, started.url);
    expect([job.state, job.error]).toEqual(['done', null]);
    expect(job).toMatchObject({ total: 151, accepted: 1, rejected: 150 });
    const bombs = job.results.filter((r) => r.file.startsWith('Bomb/'));
    expect(bombs).toHaveLength(150);
    expect(bombs.every((r) => r.code === 'compression_ratio' && /IMPORT_MAX_RATIO/.test(r.reason!))).toBe(true);
  });

  it('adds nothing when the same zip comes twice, and lists ./ paths and duplicate paths', async () => {
    // Before: a re-uploaded zip doubled every face (63 -> 126); `./Joe_Biden/1.jpg` and a repeated path vanished unreported.
    const zip = deflatedZip([
      ['./Joe_Biden/1.jpg', fixture('Joe_Biden/1.jpg')],
      ['Joe_Biden/2.jpg', fixture('Joe_Biden/2.jpg')],
      ['Joe_Biden/1.jpg', fixture('Amy/2.jpg')],
    ]);
    const first = await waitJob(http.get, ((await (await http.upload('/api/v1/imports/zip', zipUpload(zip))).json()) as Job).url);
    expect(first.state).toBe('done');
    const by = Object.fromEntries(first.results.map((r) => [r.file, r]));
    expect(by['./Joe_Biden/1.jpg']).toMatchObject({ status: 'accepted' });
    expect(by['Joe_Biden/1.jpg']).toMatchObject({ status: 'rejected', code: 'duplicate_path' });
    expect(first.accepted).toBe(2);
    const faces = await faceCount();

    const again = await waitJob(http.get, ((await (await http.upload('/api/v1/imports/zip', zipUpload(zip))).json()) as Job).url);
    expect(again).toMatchObject({ state: 'done', accepted: 0, skipped: 2, rejected: 1 });
    expect(again.results.filter((r) => r.status === 'skipped').map((r) => r.code)).toEqual(['already_stored', 'already_stored']);
    expect(await faceCount()).toBe(faces);
    const list = (await (await http.get('/api/v1/jobs')).json()) as { items: Job[] };
    expect(list.items.slice(0, 2).map((j) => j.id)).toEqual([again.id, first.id]);
  });

  it('lists an entry whose name holds a NUL (PostgreSQL cannot store one) instead of failing the job', async () => {
    const zip = deflatedZip([
      ['Eve\u0000/1.jpg', fixture('Amy/1.jpg')],
      ['Eve/\u0000.jpg', fixture('Amy/1.jpg')],
    ]);
    const job = await waitJob(http.get, ((await (await http.upload('/api/v1/imports/zip', zipUpload(zip))).json()) as Job).url);
    expect([job.state, job.error]).toEqual(['done', null]);
    expect(job.results.map((r) => [r.file, r.code ?? r.status])).toEqual([
      ['Eve\\0/1.jpg', 'bad_layout'],
      ['Eve/\\0.jpg', expect.any(String)],
    ]);
  });

  it('refuses a gallery file with a newline bomb, an absurd vector or a crop that is not a JPEG; serves crops nosniff', async () => {
    const upload = (bytes: Uint8Array) => http.upload('/api/v1/gallery/import', [{ field: 'file', name: 'g.jsonl.gz', bytes, type: 'application/gzip' }]);
    const before = await faceCount();
    // Before: this 149 KiB file ended the process with a fatal V8 error in String.split.
    const newlines = await upload(gzipSync(Buffer.alloc(150 * 1024 * 1024, 0x0a), { level: 9 }));
    expect([newlines.status, await errorCode(newlines)]).toEqual([422, 'bad_export']);

    const exported = (await import('node:zlib'))
      .gunzipSync(new Uint8Array(await (await http.get('/api/v1/gallery/export')).arrayBuffer()))
      .toString('utf8')
      .trim()
      .split('\n');
    const header = exported[0]!;
    const stored = exported
      .slice(1)
      .flatMap((l) => (JSON.parse(l) as { faces: { embedding: string }[] }).faces.map((f) => bytesToEmbedding(Buffer.from(f.embedding, 'base64'))));
    const mean = stored[0]!.map((_, k) => stored.reduce((s, e) => s + e[k]!, 0) / stored.length);
    const norm = Math.hypot(...mean);
    // Before: 3x the mean direction was stored as is and matched every probe at ~2.7.
    const absurd = mean.map((v) => (3 * v) / norm);
    const line = (embedding: Float32Array, crop: string | null) =>
      JSON.stringify({ type: 'person', name: 'Mallory', faces: [{ embedding: embeddingToBytes(embedding).toString('base64'), crop, quality: null }] });
    const absurdRes = await upload(gzipSync([header, line(absurd, null)].join('\n')));
    expect([absurdRes.status, await errorCode(absurdRes)]).toEqual([422, 'bad_export']);
    expect(((await (await upload(gzipSync([header, line(absurd, null)].join('\n')))).json()) as { error: { message: string } }).error.message).toContain(
      'norm 3.000',
    );
    const html = Buffer.from('<!doctype html><script>fetch("/api/v1/keys")</script>').toString('base64');
    const notJpeg = await upload(
      gzipSync(
        [
          header,
          line(
            mean.map((v) => v / norm),
            html,
          ),
        ].join('\n'),
      ),
    );
    expect(((await notJpeg.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'bad_export',
      message: expect.stringContaining('crop is not a JPEG'),
    });
    expect(await faceCount()).toBe(before);

    const joe = (await server.store.listPeople()).find((p) => p.name === 'Joe Biden')!;
    const faces = (await (await http.get(`/api/v1/people/${joe.id}/faces`)).json()) as { items: { cropUrl: string }[] };
    const crop = await http.get(faces.items[0]!.cropUrl);
    expect(crop.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await server.app.request('/health')).status).toBe(200);
  });

  it('calls an image over the decoder pixel limit image_too_large, not bad', async () => {
    // Before: sharp refused the header itself ("Input image exceeds pixel limit") and the answer was not_an_image.
    const huge = Buffer.from(fixture('Amy/1.jpg'));
    const sof = huge.findIndex((b, i) => b === 0xff && (huge[i + 1] === 0xc0 || huge[i + 1] === 0xc2));
    huge.writeUInt16BE(60000, sof + 5);
    huge.writeUInt16BE(60000, sof + 7);
    const res = await http.upload('/api/v1/identify', [{ field: 'image', name: 'huge.jpg', bytes: huge }]);
    expect([res.status, await errorCode(res)]).toEqual([422, 'image_too_large']);
  });

  it('refuses a relative folder path, and reports a file that vanishes during a folder import as that file', async () => {
    const relative = await http.json('POST', '/api/v1/imports/folder', { path: 'photos' });
    expect([relative.status, await errorCode(relative)]).toEqual([400, 'validation_failed']);

    const dir = tempDir();
    for (const [person, files] of [
      ['Amy', ['1.jpg', '2.jpg']],
      ['Paul_Allen', ['1.jpg', '2.jpg']],
    ] as const) {
      fs.mkdirSync(path.join(dir, person));
      for (const f of files) fs.copyFileSync(path.join(FIXTURES, person, f), path.join(dir, person, f));
    }
    fs.symlinkSync(path.join(dir, 'nowhere.jpg'), path.join(dir, 'Amy', 'dangling.jpg'));
    const res = await http.json('POST', '/api/v1/imports/folder', { path: dir });
    expect(res.status).toBe(202);
    const { url } = (await res.json()) as Job;
    // Once the job has listed the folder (and is busy with Amy), a file of the next person goes away.
    await expect.poll(async () => ((await (await http.get(url)).json()) as Job).total, { timeout: 30_000, interval: 20 }).toBeGreaterThan(0);
    fs.rmSync(path.join(dir, 'Paul_Allen', '2.jpg'));
    const job = await waitJob(http.get, url);
    expect(job.state).toBe('done');
    const by = Object.fromEntries(job.results.map((r) => [r.file, r]));
    expect(by['Amy/dangling.jpg']).toMatchObject({ status: 'rejected', code: 'unreadable' });
    expect(by['Paul_Allen/2.jpg']).toMatchObject({ status: 'rejected', code: 'unreadable' });
    expect(by['Paul_Allen/1.jpg']).toMatchObject({ status: 'accepted' });
  });

  it('keeps jobs and their reports across a restart', async () => {
    const before = (await (await http.get('/api/v1/jobs')).json()) as { items: Job[] };
    expect(before.items.length).toBeGreaterThanOrEqual(4);
    // Two jobs a killed process left running: one whose upload is gone, one interrupted too often.
    const owner = `${os.hostname()}:${path.resolve(env.DATA_DIR!, 'imports')}`;
    const lost = {
      kind: 'zip' as const,
      source: 'lost.zip',
      sourcePath: path.join(env.DATA_DIR!, 'imports', 'gone.zip'),
      owner,
      state: 'running' as const,
      attempts: 1,
    };
    const [gone, crashy] = await rawDrizzle(server.store)
      .insert(importJobs)
      .values([lost, { ...lost, source: 'crashy.zip', sourcePath: env.DATA_DIR!, attempts: 3 }])
      .returning({ id: importJobs.id });
    await server.close();
    server = await startTestServer(env);
    http = api(server);
    const after = (await (await http.get('/api/v1/jobs')).json()) as { items: Job[] };
    const finished = (items: Job[]) => items.filter((j) => j.id !== gone!.id && j.id !== crashy!.id).map((j) => [j.id, j.state, j.accepted]);
    expect(finished(after.items)).toEqual(finished(before.items));
    const bomb = (await (await http.get(before.items.at(-1)!.url)).json()) as Job;
    expect(bomb.results).toHaveLength(151);
    expect(await waitJob(http.get, `/api/v1/jobs/${gone!.id}`)).toMatchObject({ state: 'failed', error: expect.stringContaining('upload is gone') });
    expect(await waitJob(http.get, `/api/v1/jobs/${crashy!.id}`)).toMatchObject({ state: 'failed', error: expect.stringContaining('interrupted 3 times') });
  });
});
