// The fused model on the live path: a server on port 0 started with EMBEDDING_MODEL=the fused id (its manifest's
// threshold), one reference photo enrolled over REST, then a real clip streamed over the socket and strangers' photos
// sent as frames. Same checks as video-tracking.test.ts (one track, a steady name), plus strangers stay unknown.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/server/log.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { createFaceAnalyzer } from '../../src/server/vision/analyzer.js';
import { FUSED_MODEL_ID } from '../../src/server/vision/fused-embedder.js';
import { resolveModel } from '../../src/server/vision/models.js';
import type { Overlay } from '../../src/shared/protocol.js';
import { api, photo } from '../helpers/http.js';
import { tempDir, testConfig } from '../helpers/server.js';
import { clipFrames } from '../helpers/video.js';
import { fixture, TestClient } from '../helpers/ws-client.js';

const FIRST = 110;
const LAST = 214;

describe('fused model, live', () => {
  let server: RunningServer;
  let frames: Uint8Array[];

  beforeAll(async () => {
    const dir = tempDir('facestream-fused-');
    frames = clipFrames(dir, FIRST, LAST);
    const config = testConfig({ DATA_DIR: dir, EMBEDDING_MODEL: FUSED_MODEL_ID });
    const analyzer = await createFaceAnalyzer(config, () => {}, { model: resolveModel(FUSED_MODEL_ID) });
    expect(config.MATCH_THRESHOLD).toBe(analyzer.threshold);
    server = await startServer(config, { log: silentLogger, analyzer });
    const http = api(server);
    const person = (await (await http.json('POST', '/api/v1/people', { name: 'Lin-Manuel Miranda' })).json()) as { id: string };
    expect((await http.upload(`/api/v1/people/${person.id}/faces`, [photo('Lin-Manuel_Miranda/1.jpg')])).status).toBe(200);
  }, 180_000);
  afterAll(async () => {
    await server?.close();
  });

  it('keeps one track id and a steady name across the clip', { timeout: 240_000 }, async () => {
    const client = await TestClient.connect(server.url);
    const overlays: Overlay[] = [];
    for (const f of frames) overlays.push(await client.frame(f));
    client.close();
    const withFace = overlays.filter((o) => o.tracks.length > 0);
    expect(withFace.length / overlays.length).toBeGreaterThan(0.9);
    expect(new Set(withFace.map((o) => o.tracks[0]!.id)).size).toBe(1);
    const labels = withFace.map((o) => o.tracks[0]!.name ?? o.tracks[0]!.state);
    // The name may be withheld (pending, or unknown while re-checks below the threshold hold the vote), never swapped
    // for another. With one reference photo, 4 of this clip's 52 frames score below the threshold on their own
    // (0.841-0.866 against 0.8641, on the mesh path and the live path alike), so which frames the tracker happens to
    // re-check decides whether the name dips for a moment.
    expect(new Set(labels.filter((l) => l !== 'pending' && l !== 'unknown'))).toEqual(new Set(['Lin-Manuel Miranda']));
    expect(labels.filter((l) => l === 'unknown').length / labels.length).toBeLessThan(0.2);
    expect(labels.at(-1)).toBe('Lin-Manuel Miranda');
    expect(labels.filter((l) => l === 'Lin-Manuel Miranda').length / labels.length).toBeGreaterThan(0.8);
  });

  it('leaves strangers unknown', { timeout: 120_000 }, async () => {
    for (const rel of ['Barack_Obama/1.jpg', 'Guido_van_Rossum/1.jpg', 'Paul_Allen/1.jpg', 'Amy/1.jpg']) {
      const client = await TestClient.connect(server.url);
      let last: Overlay | undefined;
      for (let i = 0; i < 4; i++) last = await client.frame(fixture(rel));
      client.close();
      expect(last!.tracks).toHaveLength(1);
      expect(last!.tracks[0]!.name, rel).toBeNull();
    }
  });
});
