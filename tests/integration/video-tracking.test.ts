// Tracking and identity voting on real video: consecutive frames of a clip (tests/fixtures/video) streamed over the
// socket. The face keeps one track id while it stays in view, and its label does not flicker even where single
// frames score below the threshold.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import type { Overlay } from '../../src/shared/protocol.js';
import { api, photo } from '../helpers/http.js';
import { startTestServer, tempDir } from '../helpers/server.js';
import { clipFrames } from '../helpers/video.js';
import { TestClient } from '../helpers/ws-client.js';

// Frames 110-214 (30 fps) show one face, close-up and moving (a second person enters later); every 2nd frame is sent,
// as a 15 fps camera would.
const FIRST = 110;
const LAST = 214;

describe('tracking on real video', () => {
  let server: RunningServer;
  let frames: Uint8Array[];

  beforeAll(async () => {
    const dir = tempDir('facestream-video-');
    frames = clipFrames(dir, FIRST, LAST);
    server = await startTestServer({ DATA_DIR: dir });
    // The source project recognises Lin-Manuel Miranda in this clip from this one reference photo.
    const http = api(server);
    const person = (await (await http.json('POST', '/api/v1/people', { name: 'Lin-Manuel Miranda' })).json()) as { id: string };
    const added = await http.upload(`/api/v1/people/${person.id}/faces`, [photo('Lin-Manuel_Miranda/1.jpg')]);
    expect(added.status).toBe(200);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('keeps one track id and a steady name across the clip', async () => {
    expect(frames.length).toBeGreaterThan(50);
    const client = await TestClient.connect(server.url);
    const overlays: Overlay[] = [];
    for (const f of frames) overlays.push(await client.frame(f));
    client.close();

    const withFace = overlays.filter((o) => o.tracks.length > 0);
    expect(withFace.length / overlays.length).toBeGreaterThan(0.9);
    if (process.env.DEBUG_VIDEO)
      console.log(
        overlays.map((o) => `${o.seq}:${o.tracks.map((t) => `${t.id}/${t.box.map(Math.round).join(',')}/${t.name ?? t.state}`).join(' ')}`).join('\n'),
      );
    const ids = new Set(withFace.map((o) => o.tracks[0]!.id));
    expect(ids.size).toBe(1);
    const labels = withFace.map((o) => o.tracks[0]!.name ?? o.tracks[0]!.state);
    // The name may be withheld (pending, or unknown while re-checks below the threshold hold the vote), never swapped
    // for another. With one reference photo, 4 of this clip's 52 frames score below the threshold on their own
    // (0.841-0.866 against 0.8641, on the mesh path and the live path alike), so which frames the tracker happens to
    // re-check decides whether the name dips for a moment.
    expect(new Set(labels.filter((l) => l !== 'pending' && l !== 'unknown'))).toEqual(new Set(['Lin-Manuel Miranda']));
    expect(labels.filter((l) => l === 'unknown').length / labels.length).toBeLessThan(0.2);
    expect(labels.at(-1)).toBe('Lin-Manuel Miranda');
    expect(labels.filter((l) => l === 'Lin-Manuel Miranda').length / labels.length).toBeGreaterThan(0.8);
    // Embeddings were not recomputed on every frame: only while the name is being decided, or withheld after a frame of
    // his fell below the threshold (one reference photo: about half his frames here are near it).
    const embedded = overlays.filter((o) => o.timings.embed > 0.01).length;
    expect(embedded).toBeLessThan(overlays.length * 0.7);
  });
});
