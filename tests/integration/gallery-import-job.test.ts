// Gallery file imports as jobs (POST /api/v1/imports/gallery): the body is spooled to disk as it arrives, the job
// reads it as a stream and commits batches with its checkpoint. Proven here: a multi-batch import with progress in the
// job, a corrupt file (bad line, broken gzip, another model) failing the job with the line named, and a server killed
// with kill -9 mid-import (a real child process) resuming from its checkpoint with every person exactly once.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { openStore } from '../../src/server/store/db.js';
import { spawnServer, type ChildServer } from '../helpers/child-server.js';
import { api, errorCode } from '../helpers/http.js';
import { waitJob, type Job } from '../helpers/imports.js';
import { describeEachDatabase, startTestServer } from '../helpers/server.js';

type Model = { modelId: string; dims: number };
type GalleryJob = Job & { checkpointLine: number; peopleCreated: number; peopleUpdated: number };

/** The model's id and dimensions, from the header of an (empty) export. */
async function modelOf(get: (url: string) => Promise<Response>): Promise<Model> {
  const exported = Buffer.from(await (await get('/api/v1/gallery/export')).arrayBuffer());
  return JSON.parse(zlib.gunzipSync(exported).toString().split('\n')[0]!) as Model;
}

/** A gallery file of `names`, one axis-aligned unit embedding each; `lines` replaces person lines by index. */
function galleryFile(model: Model, names: string[], lines: Record<number, string> = {}): string[] {
  const out = [JSON.stringify({ type: 'header', format: 'facestream-gallery', version: 1, modelId: model.modelId, dims: model.dims, people: names.length })];
  names.forEach((name, i) => {
    const v = Float32Array.from({ length: model.dims }, (_, k) => (k === i % model.dims ? 1 : 0));
    const embedding = Buffer.from(v.buffer).toString('base64');
    out.push(lines[i] ?? JSON.stringify({ type: 'person', name, createdAt: new Date().toISOString(), faces: [{ embedding, crop: null, quality: null }] }));
  });
  return out;
}
const gz = (lines: string[]) => zlib.gzipSync(lines.join('\n') + '\n');
const names = (n: number, prefix = 'Person') => Array.from({ length: n }, (_, i) => `${prefix} ${String(i).padStart(4, '0')}`);

describeEachDatabase('gallery file import jobs on $name', (target) => {
  let server: RunningServer;
  let http: ReturnType<typeof api>;
  let model: Model;
  let spoolDir: string;
  const spooled = () => fs.readdirSync(spoolDir).filter((f) => f.endsWith('.jsonl'));
  // Over a real socket (the server listens on port 0), so the body arrives in pieces as it would from a client.
  const post = (body: Uint8Array | ReadableStream<Uint8Array>) =>
    fetch(`${server.url}/api/v1/imports/gallery`, { method: 'POST', body, headers: { 'Content-Type': 'application/gzip' }, duplex: 'half' } as RequestInit);

  beforeAll(async () => {
    const env = await target.freshEnv();
    server = await startTestServer({ ...env, GALLERY_IMPORT_BATCH_PEOPLE: '7', GALLERY_JOB_MAX_BYTES: '200000' });
    spoolDir = path.join(env.DATA_DIR!, 'imports');
    http = api(server);
    model = await modelOf(http.get);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('imports a file of several batches through the job, with its progress and checkpoint, and again adds nothing', async () => {
    const people = names(30);
    const lines = galleryFile(model, people);
    // Sent as a stream of small pieces: the route writes each to the spool file as it comes.
    const bytes = gz(lines);
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        for (let at = 0; at < bytes.byteLength; at += 1000) c.enqueue(bytes.subarray(at, at + 1000));
        c.close();
      },
    });
    const res = await post(body);
    expect(res.status).toBe(202);
    const started = (await res.json()) as GalleryJob;
    expect(started).toMatchObject({ kind: 'gallery', state: 'queued' });
    const job = (await waitJob(http.get, started.url)) as GalleryJob;
    expect(job).toMatchObject({ state: 'done', error: null, total: 30, processed: 30, accepted: 30, skipped: 0, peopleCreated: 30, checkpointLine: 31 });
    const stored = await server.store.listPeople();
    expect(stored.map((p) => p.name).sort()).toEqual(people);
    expect(stored.every((p) => p.faces === 1)).toBe(true);
    // The spooled upload is gone with the job: deleted just after the job is marked done (a job marked done first is
    // never re-run on a restart for want of its file), so this waits for it.
    await vi.waitFor(() => expect(spooled()).toEqual([]), { timeout: 5000 });

    const again = (await waitJob(http.get, ((await (await post(bytes)).json()) as GalleryJob).url)) as GalleryJob;
    expect(again).toMatchObject({ state: 'done', accepted: 0, skipped: 30, peopleCreated: 0, peopleUpdated: 30 });
    expect((await server.store.listPeople()).length).toBe(30);
  });

  it('fails the job naming the bad line, keeping the batches before it; a broken gzip and another model fail clearly', async () => {
    const people = names(20, 'Bad');
    // Person 15 is line 17 of the file (the header is line 1): two batches of 7 are committed before it.
    const bad = (await waitJob(
      http.get,
      ((await (await post(gz(galleryFile(model, people, { 15: '{"type":"person","name":"Broken","faces":[]}' })))).json()) as GalleryJob).url,
    )) as GalleryJob;
    expect(bad.state).toBe('failed');
    expect(bad.error).toMatch(/^bad_export: line 17: faces/);
    expect(bad).toMatchObject({ processed: 14, accepted: 14, checkpointLine: 15 });
    expect((await server.store.listPeople()).filter((p) => p.name.startsWith('Bad')).length).toBe(14);

    const whole = gz(galleryFile(model, names(10, 'Cut')));
    const cut = (await waitJob(http.get, ((await (await post(whole.subarray(0, whole.byteLength - 20))).json()) as GalleryJob).url)) as GalleryJob;
    expect(cut.state).toBe('failed');
    expect(cut.error).toMatch(/^bad_export: not a readable export file \(after line \d+\): unexpected end of file/);

    const other = (await waitJob(
      http.get,
      ((await (await post(gz(galleryFile({ modelId: 'other-model', dims: 8 }, names(3, 'Other'))))).json()) as GalleryJob).url,
    )) as GalleryJob;
    expect(other.state).toBe('failed');
    expect(other.error).toMatch(/^model_mismatch: the file holds embeddings of model "other-model"/);
    expect(other.processed).toBe(0);
  });

  it('refuses an upload over GALLERY_JOB_MAX_BYTES with 413, leaving no spool file, and an empty body with 400', async () => {
    const big = Buffer.alloc(300_000, 0x20);
    const res = await post(new ReadableStream({ start: (c) => (c.enqueue(big), c.close()) }));
    expect([res.status, await errorCode(res)]).toEqual([413, 'payload_too_large']);
    expect(spooled()).toEqual([]);
    const empty = await post(new Uint8Array(0));
    expect([empty.status, await errorCode(empty)]).toEqual([400, 'bad_request']);
  });
});

describeEachDatabase('kill -9 during a gallery import job on $name', (target) => {
  const children: ChildServer[] = [];
  afterAll(async () => {
    await Promise.all(children.map((c) => c.kill9()));
  });

  it('resumes from the checkpoint after a restart: every person exactly once, none skipped as already stored', { timeout: 420_000 }, async () => {
    const env: Record<string, string> = { ...(await target.freshEnv()), GALLERY_IMPORT_BATCH_PEOPLE: '4' };
    // Killed by itself as soon as the first batch and its checkpoint are committed.
    const first = await spawnServer({ ...env, TEST_CRASH_AT: 'gallery-import.after-batch' });
    children.push(first);
    const get = (server: ChildServer) => (url: string) => fetch(server.url + url);
    const model = await modelOf(get(first));
    const people = names(10, 'Kill');
    const res = await fetch(`${first.url}/api/v1/imports/gallery`, { method: 'POST', body: gz(galleryFile(model, people)) });
    expect(res.status).toBe(202);
    const { url } = (await res.json()) as GalleryJob;
    const t0 = Date.now();
    while (first.process.exitCode === null && first.process.signalCode === null) {
      if (Date.now() - t0 > 120_000) throw new Error(`no crash: ${first.log().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(first.process.signalCode).toBe('SIGKILL');

    const second = await spawnServer(env);
    children.push(second);
    const job = (await waitJob(get(second), url, 300_000)) as GalleryJob;
    // The killed run committed 4 people with checkpoint line 5; the resumed run read on from line 6.
    expect(job).toMatchObject({ state: 'done', attempts: 2, total: 10, processed: 10, accepted: 10, skipped: 0, peopleCreated: 10, checkpointLine: 11 });
    expect(second.log()).toContain('import resumed after a restart');
    await second.stop();

    const store = await openStore({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR! });
    try {
      const stored = await store.listPeople();
      expect(stored.map((p) => p.name).sort()).toEqual(people);
      expect(stored.every((p) => p.faces === 1)).toBe(true);
      expect(
        fs.existsSync(path.join(env.DATA_DIR!, 'imports')) && fs.readdirSync(path.join(env.DATA_DIR!, 'imports')).filter((f) => f.endsWith('.jsonl')),
      ).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
