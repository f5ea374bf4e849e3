// The right name on the right face over a real socket, with real models: two enrolled people side by side leave for a
// while and come back on each other's side, from a client whose captureTime is frozen (it never stamps its frames).
// The tracks they left may continue on the wrong faces; their names must not: a continued track in doubt shows no
// name until its face's own embedding confirms it, and no overlay ever puts one person's name on the other's face.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import type { Overlay } from '../../src/shared/protocol.js';
import { api, photo } from '../helpers/http.js';
import { startTestServer, tempDir } from '../helpers/server.js';
import { TestClient, fixture } from '../helpers/ws-client.js';

const W = 640;
const H = 480;

/** A 640x480 frame with each photo scaled to 220 px high and placed with its left edge at x. */
async function scene(faces: { rel: string; x: number }[]): Promise<Uint8Array> {
  const layers = await Promise.all(
    faces.map(async ({ rel, x }) => ({ input: await sharp(fixture(rel)).resize({ height: 220, width: 200, fit: 'cover' }).toBuffer(), left: x, top: 130 })),
  );
  const jpeg = await sharp({ create: { width: W, height: H, channels: 3, background: { r: 120, g: 120, b: 120 } } })
    .composite(layers)
    .jpeg({ quality: 90 })
    .toBuffer();
  return new Uint8Array(jpeg);
}

/** A 640x480 frame with one photo scaled to 220 px high, its left edge at x (it may be partly outside the frame). */
async function slide(rel: string, x: number, others: { rel: string; x: number }[] = []): Promise<Uint8Array> {
  const face = await sharp(fixture(rel)).resize({ height: 220, width: 200, fit: 'cover' }).toBuffer();
  // Cut the part that lies outside the frame: sharp's composite needs the overlay inside the base image.
  const visible = Math.min(200, W - x);
  const cut = visible < 200 ? await sharp(face).extract({ left: 0, top: 0, width: visible, height: 220 }).toBuffer() : face;
  const base = await scene(others);
  const jpeg = await sharp(base)
    .composite([{ input: cut, left: x, top: 130 }])
    .jpeg({ quality: 90 })
    .toBuffer();
  return new Uint8Array(jpeg);
}

async function enrol(server: RunningServer, name: string, photos: string[]): Promise<void> {
  const http = api(server);
  const person = (await (await http.json('POST', '/api/v1/people', { name })).json()) as { id: string };
  const res = await http.upload(
    `/api/v1/people/${person.id}/faces`,
    photos.map((p) => photo(p)),
  );
  expect(res.status).toBeLessThan(300);
}

/** Who a named track's box centre says it is on: the person standing on that half of the frame. */
function wrongNames(o: Overlay, left: string, right: string): string[] {
  return o.tracks
    .filter((t) => t.name !== null)
    .filter((t) => (t.box[0] + t.box[2] / 2 < W / 2 ? left : right) !== t.name)
    .map((t) => `seq ${o.seq}: "${t.name}" on the ${t.box[0] + t.box[2] / 2 < W / 2 ? 'left' : 'right'} (track ${t.id})`);
}

describe('names stay with faces (real models, frozen captureTime)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startTestServer({ DATA_DIR: tempDir() });
    await enrol(server, 'Barack Obama', ['Barack_Obama/1.jpg', 'Barack_Obama/2.jpg', 'Barack_Obama/3.jpg']);
    await enrol(server, 'Guido van Rossum', ['Guido_van_Rossum/1.jpg', 'Guido_van_Rossum/2.jpg', 'Guido_van_Rossum/3.jpg']);
  });
  afterAll(async () => {
    await server?.close();
  });

  it("two people who swap sides while out of view are never shown with each other's names", async () => {
    const before = await scene([
      { rel: 'Barack_Obama/4.jpg', x: 60 },
      { rel: 'Guido_van_Rossum/4.jpg', x: 380 },
    ]);
    const empty = await scene([]);
    const after = await scene([
      { rel: 'Guido_van_Rossum/5.jpg', x: 60 },
      { rel: 'Barack_Obama/5.jpg', x: 380 },
    ]);
    const client = await TestClient.connect(server.url, { camera: 'door' });
    const frozen = 1_700_000_000_000;
    const wrong: string[] = [];
    // Sent back to back, as fast as the server answers: faster than real time, with no clock to say so.
    const send = async (jpeg: Uint8Array, n: number, left: string | null, right: string | null) => {
      const out: Overlay[] = [];
      for (let i = 0; i < n; i++) {
        const o = await client.frame(jpeg, frozen);
        // An empty frame may still carry a predicted box or two of the faces just gone: a name on no face.
        if (left !== null && right !== null) wrongNames(o, left, right).forEach((w) => wrong.push(w));
        out.push(o);
      }
      return out;
    };
    const first = await send(before, 6, 'Barack Obama', 'Guido van Rossum');
    // Both named on their own sides first (otherwise the rest would prove nothing).
    expect(
      first
        .at(-1)!
        .tracks.map((t) => t.name)
        .sort(),
    ).toEqual(['Barack Obama', 'Guido van Rossum']);
    await send(empty, 3, null, null);
    // And the names come back, each on its own face. On a busy machine a frame is answered before its embedding once
    // it has waited 3/4 of the client's frame gap (at least 50 ms, pipeline.ts answerBudgetMs), and a track continued
    // in doubt shows its name only once that vote has landed: so within a few frames, not on a fixed one.
    const bothBack = (o: Overlay) =>
      o.tracks
        .filter((t) => t.name)
        .map((t) => [t.name, t.box[0] + t.box[2] / 2 < W / 2 ? 'left' : 'right'])
        .sort()
        .join(';') === 'Barack Obama,right;Guido van Rossum,left';
    let back = -1;
    for (let i = 0; i < 30 && back < 0; i++) if (bothBack((await send(after, 1, 'Guido van Rossum', 'Barack Obama'))[0]!)) back = i;
    expect(wrong).toEqual([]);
    expect(back, 'frames until both names were back on their own faces').toBeGreaterThanOrEqual(0);
    client.close();
  });

  it('finds a face that slides into a settled scene from the edge within 300 ms of it being whole', async () => {
    const client = await TestClient.connect(server.url, { camera: 'hall' });
    const guido = { rel: 'Guido_van_Rossum/4.jpg', x: 40 };
    const settled = await scene([guido]);
    const t0 = 1_700_000_000_000;
    let seq = 0;
    const at = () => t0 + (1000 / 15) * seq++; // a 15 fps camera's own clock
    for (let i = 0; i < 8; i++) await client.frame(settled, at());
    // Obama slides in from the right edge, 40 px a frame, and stops whole at x = 400.
    let wholeAt: number | null = null;
    let foundAt: number | null = null;
    for (let x = 600; x >= 400; x -= 40) {
      const t = at();
      if (x + 200 <= W && wholeAt === null) wholeAt = t;
      const o = await client.frame(await slide('Barack_Obama/4.jpg', x, [guido]), t);
      if (foundAt === null && o.tracks.some((tr) => tr.box[0] + tr.box[2] / 2 > W / 2)) foundAt = t;
    }
    const still = await slide('Barack_Obama/4.jpg', 400, [guido]);
    let last: Overlay | null = null;
    for (let i = 0; i < 10; i++) {
      const t = at();
      last = await client.frame(still, t);
      if (foundAt === null && last.tracks.some((tr) => tr.box[0] + tr.box[2] / 2 > W / 2)) foundAt = t;
    }
    expect(wholeAt).not.toBeNull();
    expect(foundAt).not.toBeNull();
    expect(foundAt! - wholeAt!).toBeLessThanOrEqual(300);
    expect(last!.tracks.map((t) => t.name).sort()).toEqual(['Barack Obama', 'Guido van Rossum']);
    client.close();
  });
});
