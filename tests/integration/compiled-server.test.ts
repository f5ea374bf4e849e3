// `npm start` runs the server compiled to JavaScript (scripts/build-server.mjs → dist/), not through tsx. This runs
// that build as users do: its inference thread must load from dist/ (inference-worker.js, not the tsx entry), its
// paths to models/, migrations/ and public/ must resolve from dist/, and a photo must be analysed end to end.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer, type ChildServer } from '../helpers/child-server.js';
import { tempDir } from '../helpers/server.js';
import { fixture } from '../helpers/ws-client.js';

describe('the compiled server (npm start)', () => {
  let server: ChildServer;
  beforeAll(async () => {
    execFileSync(process.execPath, ['scripts/build-server.mjs'], { stdio: 'ignore' });
    server = await spawnServer({ DATA_DIR: tempDir('facestream-compiled-'), INFERENCE_WORKERS: '1' }, 180_000, { compiled: true });
  }, 240_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('compiles every server module to dist/, and nothing from the browser client', () => {
    expect(fs.existsSync('dist/server/main.js')).toBe(true);
    expect(fs.existsSync('dist/server/vision/worker/inference-worker.js')).toBe(true);
    expect(fs.existsSync('dist/client')).toBe(false);
  });

  it('runs its models in a worker thread loaded from dist/, and names what it found in a photo', async () => {
    const health = (await (await fetch(`${server.url}/health`)).json()) as { inference: { backend: string; sessionsPerWorker: number[] } };
    expect(health.inference.backend).toMatch(/worker thread/);
    expect(health.inference.sessionsPerWorker).toHaveLength(1);
    const form = new FormData();
    form.append('image', new Blob([Buffer.from(fixture('Guido_van_Rossum/1.jpg'))], { type: 'image/jpeg' }), 'guido.jpg');
    const res = await fetch(`${server.url}/api/v1/identify`, { method: 'POST', body: form });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { faces: { person: unknown }[] };
    expect(body.faces).toHaveLength(1);
    expect(body.faces[0]!.person).toBeNull(); // nobody enrolled yet
    // The pages are served from public/, found from dist/ as from src/.
    expect((await fetch(`${server.url}/enrol.html`)).status).toBe(200);
    expect(server.log()).not.toMatch(/"level":"(error|fatal)"/);
  });
});
