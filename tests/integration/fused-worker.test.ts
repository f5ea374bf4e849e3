// The fused model in an inference worker thread, as `npm start` runs it: the worker loads MobileFaceNet from models/,
// enrolment and identify over REST go through it, and the manifest's threshold decides.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/server/log.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { FUSED_MODEL_ID } from '../../src/server/vision/fused-embedder.js';
import { resolveModel } from '../../src/server/vision/models.js';
import { api, photo } from '../helpers/http.js';
import { tempDir, testConfig } from '../helpers/server.js';

describe('fused model in a worker thread', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(testConfig({ DATA_DIR: tempDir('facestream-fused-worker-'), EMBEDDING_MODEL: FUSED_MODEL_ID, INFERENCE_WORKERS: '1' }), {
      log: silentLogger,
    });
  }, 240_000);
  afterAll(async () => {
    await server?.close();
  });

  it('enrols and identifies with 320-d fused vectors at the manifest threshold', { timeout: 120_000 }, async () => {
    expect(server.analyzer.modelId).toBe(FUSED_MODEL_ID);
    expect(server.analyzer.dims).toBe(320);
    expect(server.analyzer.models.join(' ')).toMatch(/mobilefacenet/);
    const http = api(server);
    const person = (await (await http.json('POST', '/api/v1/people', { name: 'Barack Obama' })).json()) as { id: string };
    expect((await http.upload(`/api/v1/people/${person.id}/faces`, [photo('Barack_Obama/1.jpg')])).status).toBe(200);
    const identify = async (rel: string) =>
      (await (await http.upload('/api/v1/identify', [photo(rel, 'image')])).json()) as {
        threshold: number;
        faces: { person: { name: string } | null; score: number | null }[];
      };
    const same = await identify('Barack_Obama/4.jpg');
    expect(same.threshold).toBe(resolveModel(FUSED_MODEL_ID).manifest.threshold);
    expect(same.faces[0]!.person?.name).toBe('Barack Obama');
    const other = await identify('Joe_Biden/2.jpg');
    expect(other.faces[0]!.person).toBeNull();
    expect(other.faces[0]!.score!).toBeLessThan(other.threshold);
  });
});
