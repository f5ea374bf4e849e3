// Nothing waits for inference without bound (issue 19): a REST call that finds its queue full is answered 503 busy with
// Retry-After at once, and a worker call that passes its deadline fails and restarts its thread, while calls on
// another thread go on. Real models, a real server over HTTP, real worker threads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { createWorkerAnalyzer } from '../../src/server/vision/worker/worker-analyzer.js';
import { startTestServer, tempDir, testConfig } from '../helpers/server.js';
import { fixture } from '../helpers/ws-client.js';

describe('REST inference queue', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startTestServer({ DATA_DIR: tempDir(), INFERENCE_QUEUE_REST: '1' });
  }, 300_000);
  afterAll(async () => {
    await server?.close();
  });

  it('answers 503 busy with Retry-After past INFERENCE_QUEUE_REST, and every call let in is answered', { timeout: 120_000 }, async () => {
    const image = fixture('_group/obama_and_biden.jpg');
    const identify = async () => {
      const form = new FormData();
      form.append('image', new Blob([Buffer.from(image)], { type: 'image/jpeg' }), 'group.jpg');
      const res = await fetch(`${server.url}/api/v1/identify`, { method: 'POST', body: form });
      return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as { error?: { code: string; message: string } } };
    };
    // One runs, one waits (the limit), the rest find the queue full.
    const answers = await Promise.all(Array.from({ length: 8 }, identify));
    const busy = answers.filter((a) => a.status === 503);
    expect(busy.length).toBeGreaterThan(0);
    for (const b of busy) {
      expect(b.retryAfter).toBe('1');
      expect(b.body.error).toMatchObject({ code: 'busy', message: expect.stringContaining('INFERENCE_QUEUE_REST') });
    }
    expect(answers.filter((a) => a.status !== 503).every((a) => a.status === 200)).toBe(true);
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(2);
    // The queue drained: a call now is served.
    expect((await identify()).status).toBe(200);
  });
});

describe('inference deadline', () => {
  it('fails a call past INFERENCE_DEADLINE_MS and restarts its thread, while a call on another thread is answered', { timeout: 240_000 }, async () => {
    const init = {
      TF_BACKEND: 'auto' as const,
      DETECT_MIN_CONFIDENCE: 0.5,
      MAX_FACES: 10,
      LIVE_DETECTOR: 'auto' as const,
      modelId: testConfig().EMBEDDING_MODEL,
    };
    const logged: string[] = [];
    // A deadline no real inference meets (1 ms): every call on this thread hangs, as far as it can tell.
    const [strict, normal] = await Promise.all([
      createWorkerAnalyzer(init, (m) => logged.push(m), { deadlineMs: 1 }),
      createWorkerAnalyzer(init, () => {}, { deadlineMs: 60_000 }),
    ]);
    try {
      const image = fixture('Barack_Obama/1.jpg');
      const [cut, served] = await Promise.allSettled([strict.embedAll(image, 4096 * 4096), normal.embedAll(image, 4096 * 4096)]);
      expect(cut).toMatchObject({ status: 'rejected', reason: { message: expect.stringMatching(/took longer than 1 ms \(INFERENCE_DEADLINE_MS\)/) } });
      expect(served).toMatchObject({ status: 'fulfilled', value: { ok: true } });
      expect((served as PromiseFulfilledResult<{ faces: unknown[] }>).value.faces).toHaveLength(1);
      expect(logged.some((m) => m.includes('passed its deadline of 1 ms; restarting its worker thread'))).toBe(true);
      await expect.poll(() => strict.starts, { timeout: 120_000, interval: 200 }).toBe(2);
      // The other thread was never touched.
      expect(normal.starts).toBe(1);
    } finally {
      await Promise.all([strict.close(), normal.close()]);
    }
  });
});
