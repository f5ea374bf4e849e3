// Inference in worker threads (INFERENCE_WORKERS=2): the same live recognition as in-process, and a bulk import that
// runs on the second worker while live frames keep being answered.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WIDE_CHIP_SIZE } from '../../src/server/vision/chip-geometry.js';
import { silentLogger } from '../../src/server/log.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import type { WorkerAnalyzer } from '../../src/server/vision/worker/worker-analyzer.js';
import { api } from '../helpers/http.js';
import { tempDir, testConfig } from '../helpers/server.js';
import { FIXTURES, TestClient, fixture } from '../helpers/ws-client.js';

type Job = { state: string; total: number; accepted: number; url: string };

describe('inference in worker threads', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer(testConfig({ DATA_DIR: tempDir(), INFERENCE_WORKERS: '2' }), { log: silentLogger });
    // The server is ready with its first thread; the second loads after it and joins (compose/inference.ts). /health
    // says so: one ready and one loading, until it has joined.
    const first = await threads();
    expect(first.threads).toEqual({ configured: 2, ready: first.stepsPerWorker.length, loading: 2 - first.stepsPerWorker.length, failed: 0 });
    for (const t0 = Date.now(); (await threads()).stepsPerWorker.length < 2; await new Promise((r) => setTimeout(r, 200))) {
      if (Date.now() - t0 > 120_000) throw new Error('the second inference thread did not join within 120 s');
    }
    expect((await threads()).threads).toEqual({ configured: 2, ready: 2, loading: 0, failed: 0 });
  }, 180_000);
  const threads = async () =>
    ((await (await server.app.request('/health')).json()) as { inference: { stepsPerWorker: unknown[]; threads: unknown } }).inference;
  afterAll(async () => {
    await server?.close();
  });

  it('reports the worker backend and recognizes an enrolled face', async () => {
    const health = (await (await server.app.request('/health')).json()) as { inference: { backend: string } };
    expect(health.inference.backend).toMatch(/worker thread/);
    const client = await TestClient.connect(server.url);
    client.sendJson({ type: 'enrol.start', name: 'Guido van Rossum', samples: 3 });
    const done = client.next((m) => m.type === 'enrol.done');
    for (const n of [1, 2, 4]) await client.frame(fixture(`Guido_van_Rossum/${n}.jpg`));
    await done;
    const stranger = await TestClient.connect(server.url);
    const probe = await stranger.frame(fixture('Guido_van_Rossum/5.jpg'));
    expect(probe.tracks[0]).toMatchObject({ state: 'recognized', name: 'Guido van Rossum' });
    for (let i = 0; i < 3; i++) await stranger.frame(fixture('Guido_van_Rossum/5.jpg'));
    client.close();
    stranger.close();
    // The recognition is recorded with the wide crop (issue 21), asked for across the thread boundary.
    const http = api(server);
    const recognitions = async () => ((await (await http.get('/api/v1/recognitions')).json()) as { items: { cropUrl: string | null }[] }).items;
    await expect.poll(async () => (await recognitions()).length, { timeout: 20_000 }).toBeGreaterThan(0);
    const crop = Buffer.from(await (await http.get((await recognitions())[0]!.cropUrl!)).arrayBuffer());
    expect(await sharp(crop).metadata()).toMatchObject({ width: WIDE_CHIP_SIZE, height: WIDE_CHIP_SIZE });
  });

  it('imports a folder on the bulk worker while live frames keep being answered', async () => {
    const http = api(server);
    type Steps = Record<'live' | 'interactive' | 'bulk', number>[];
    const steps = async () => ((await (await server.app.request('/health')).json()) as { inference: { stepsPerWorker: Steps } }).inference.stepsPerWorker;
    const before = await steps();
    const res = await http.json('POST', '/api/v1/imports/folder', { path: FIXTURES });
    expect(res.status).toBe(202);
    const { url } = (await res.json()) as Job;
    const camera = await TestClient.connect(server.url);
    let answered = 0;
    // Frames answered by the tracker's prediction (DETECT_INTERVAL_MS) run no inference; the detected ones ran live.
    let detected = 0;
    let job: Job;
    for (;;) {
      const overlay = await camera.frame(fixture('Barack_Obama/2.jpg'));
      expect(overlay.tracks).toHaveLength(1);
      answered += 1;
      if (!overlay.predicted) detected += 1;
      job = (await (await http.get(url)).json()) as Job;
      if (job.state === 'done' || job.state === 'failed') break;
    }
    camera.close();
    expect(job).toMatchObject({ state: 'done' });
    expect(job.accepted).toBeGreaterThan(10);
    expect(answered).toBeGreaterThan(3);
    expect(detected).toBeGreaterThan(3);
    expect((await server.store.listPeople()).map((p) => p.name)).toContain('Paul Allen');
    // Every accepted image took two bulk steps (detect, then embed) on the last worker and none on the first, while the
    // camera's frames ran live.
    const after = await steps();
    expect(after).toHaveLength(2);
    expect(after[1]!.bulk - before[1]!.bulk).toBeGreaterThanOrEqual(2 * job.accepted);
    expect(after[0]!.bulk - before[0]!.bulk).toBe(0);
    expect(after[0]!.live + after[1]!.live - before[0]!.live - before[1]!.live).toBeGreaterThanOrEqual(detected);
  });

  it('spreads cameras over both inference threads, so two cameras are answered side by side', async () => {
    type Inference = { sessionsPerWorker: number[]; stepsPerWorker: Record<'live', number>[] };
    const health = async () => ((await (await server.app.request('/health')).json()) as { inference: Inference }).inference;
    const cameras = await Promise.all([TestClient.connect(server.url), TestClient.connect(server.url)]);
    const before = await health();
    // A camera counts on the thread its latest frame ran on (each frame goes to the least loaded thread).
    expect(before.sessionsPerWorker).toEqual([0, 0]);
    const stream = async (c: TestClient) => {
      const names: number[] = [];
      for (let i = 0; i < 3; i++) names.push((await c.frame(fixture('Guido_van_Rossum/5.jpg'))).tracks.length);
      return names;
    };
    expect(await Promise.all(cameras.map(stream))).toEqual([
      [1, 1, 1],
      [1, 1, 1],
    ]);
    const after = await health();
    // Two cameras whose first frames came together started on different threads, and stayed while neither queued.
    expect(after.sessionsPerWorker).toEqual([1, 1]);
    expect(after.stepsPerWorker.map((s, i) => s.live - before.stepsPerWorker[i]!.live).every((n) => n > 0)).toBe(true);
    for (const c of cameras) c.close();
    await expect.poll(async () => (await health()).sessionsPerWorker).toEqual([0, 0]);
  });

  it('replaces a worker thread that dies, and live frames go on', async () => {
    const worker = server.analyzer as WorkerAnalyzer;
    const camera = await TestClient.connect(server.url);
    expect((await camera.frame(fixture('Guido_van_Rossum/5.jpg'))).tracks).toHaveLength(1);
    await worker.restart();
    expect(worker.starts).toBe(2);
    const after = await camera.frame(fixture('Guido_van_Rossum/5.jpg'));
    expect(after.tracks[0]).toMatchObject({ state: 'recognized', name: 'Guido van Rossum' });
    camera.close();
  });
});
