// Enrolment quality gates on real photos over a real socket: each bad view is refused with the right code and never
// enters the gallery; a good, pose-diverse set is enrolled; a face already enrolled as someone else is stopped.
import fs from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import type { ServerMessage } from '../../src/shared/protocol.js';
import { DEFAULT_LIVENESS_EVIDENCE } from '../../src/server/tracking/liveness-evidence.js';
import { describeEachDatabase, startTestServer } from '../helpers/server.js';
import { TestClient, fixture } from '../helpers/ws-client.js';

const quality = (name: string) => new Uint8Array(fs.readFileSync(new URL(`../fixtures/quality/${name}`, import.meta.url)));
type Progress = Extract<ServerMessage, { type: 'enrol.progress' }>;

async function offer(client: TestClient, jpeg: Uint8Array): Promise<Progress> {
  const seq = client.sendFrame(jpeg);
  return (await client.next((m) => m.type === 'enrol.progress' && m.seq === seq)) as Progress;
}

describeEachDatabase('enrolment gates on $name', (target) => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startTestServer(await target.freshEnv());
  });
  afterAll(async () => {
    await server?.close();
  });

  it('refuses a blurred, a tiny, a profile, an over-exposed and a two-face image, each with its reason', async () => {
    const client = await TestClient.connect(server.url);
    client.sendJson({ type: 'enrol.start', name: 'Guido van Rossum', samples: 3 });
    expect(await client.next((m) => m.type === 'enrol.started')).toMatchObject({ required: 3, poses: ['straight', 'left', 'right'] });
    // The measured defaults take tiny.jpg (56 px) and dark.jpg (brightness 30): a smaller copy is refused. (A darker copy
    // fails the liveness models first on the socket; too_dark is tested over REST, where photos skip liveness.)
    const smaller = new Uint8Array(
      await sharp(quality('tiny.jpg'))
        .resize({ width: 150 })
        .extend({ top: 180, bottom: 180, left: 245, right: 245, background: { r: 90, g: 90, b: 90 } })
        .jpeg({ quality: 90 })
        .toBuffer(),
    );
    const cases: [Uint8Array, string, RegExp][] = [
      [quality('blurred.jpg'), 'blurry', /blurred \(sharpness \d+, needs 20, ENROL_MIN_SHARPNESS\)/],
      [smaller, 'too_small', /too small \(\d+ px, needs 48 px, ENROL_MIN_FACE_PX\)/],
      [quality('profile.jpg'), 'not_frontal', /turned \d+° to the side/],
      [quality('overexposed.jpg'), 'too_bright', /bright|exposed/],
      [fixture('_group/two_people.jpg'), 'multiple_faces', /^2 faces in view/],
    ];
    for (const [jpeg, code, reason] of cases) {
      const p = await offer(client, jpeg);
      expect({ code: p.code, accepted: p.accepted }, code).toEqual({ code, accepted: false });
      expect(p.reason).toMatch(reason);
      expect(p.collected).toBe(0);
    }
    client.sendJson({ type: 'enrol.cancel' });
    await client.next((m) => m.type === 'enrol.cancelled');
    expect(await server.store.listPeople()).toEqual([]);
    expect(server.gallery.stats().faces).toBe(0);
    client.close();
  });

  it('enrols a good set spread over the poses, refusing a second straight view while left is missing', async () => {
    const client = await TestClient.connect(server.url);
    client.sendJson({ type: 'enrol.start', name: 'Guido van Rossum', samples: 3 });
    await client.next((m) => m.type === 'enrol.started');
    const done = client.next((m) => m.type === 'enrol.done');
    const a = await offer(client, fixture('Guido_van_Rossum/1.jpg'));
    expect(a).toMatchObject({ accepted: true, pose: 'straight', collected: 1, poses: { done: ['straight'], wanted: 'left' } });
    const b = await offer(client, fixture('Guido_van_Rossum/3.jpg'));
    expect(b).toMatchObject({ accepted: false, code: 'pose_done', pose: 'straight', collected: 1 });
    expect(b.reason).toMatch(/turn your head slightly to your left/);
    expect(await offer(client, fixture('Guido_van_Rossum/2.jpg'))).toMatchObject({ accepted: true, pose: 'right', collected: 2 });
    expect(await offer(client, fixture('Guido_van_Rossum/4.jpg'))).toMatchObject({ accepted: true, pose: 'left', collected: 3 });
    expect(await done).toMatchObject({ name: 'Guido van Rossum', faces: 3, created: true });
    expect(await server.store.listPeople()).toMatchObject([{ name: 'Guido van Rossum', faces: 3 }]);
    client.close();
  });

  it('stops enrolling an enrolled face under another name, says who, and enrols it once confirmed', async () => {
    const client = await TestClient.connect(server.url);
    client.sendJson({ type: 'enrol.start', name: 'Not Guido', samples: 1 });
    await client.next((m) => m.type === 'enrol.started');
    const cancelled = client.next((m) => m.type === 'enrol.cancelled');
    const p = await offer(client, fixture('Guido_van_Rossum/5.jpg'));
    expect(p).toMatchObject({ accepted: false, code: 'duplicate_person' });
    const c = await cancelled;
    expect(c).toMatchObject({ code: 'duplicate', duplicate: { name: 'Guido van Rossum' } });
    expect(c.type === 'enrol.cancelled' && c.duplicate!.score).toBeGreaterThanOrEqual(0.9);
    expect((await server.store.listPeople()).map((x) => x.name)).toEqual(['Guido van Rossum']);

    // The same name is not a duplicate: it adds a face to that person.
    client.sendJson({ type: 'enrol.start', name: 'Guido van Rossum', samples: 1 });
    const more = client.next((m) => m.type === 'enrol.done');
    await offer(client, fixture('Guido_van_Rossum/5.jpg'));
    expect(await more).toMatchObject({ created: false, faces: 1 });

    // The operator confirms.
    client.sendJson({ type: 'enrol.start', name: 'Not Guido', samples: 1, allowDuplicate: true });
    const done = client.next((m) => m.type === 'enrol.done');
    await offer(client, fixture('Guido_van_Rossum/5.jpg'));
    expect(await done).toMatchObject({ name: 'Not Guido', created: true });
    client.close();
  });

  it('scores no face for presentation attacks, and sends no liveOk verdict, where recognition does not require it', async () => {
    const client = await TestClient.connect(server.url);
    const o = await client.frame(fixture('Paul_Allen/3.jpg'));
    expect(o.tracks).toHaveLength(1);
    expect(o.tracks[0]!.real).toBeNull();
    expect(o.tracks[0]!.live).toBeNull();
    expect(o.tracks[0]!.liveOk).toBeUndefined();
    client.close();
  });
});

// The presentation-attack stage (MiniFASNet): upstream's print still is refused as an enrolment view and never named
// where recognition requires a live face, while a real face is enrolled and named. Real models, a real socket.
// The poster is turned 25°: ENROL_MAX_ANGLE is opened so that the pose gate lets it reach the liveness gate (Human's
// antispoof and liveness scores, the gate before this stage, pass it: 0.66 and 1.0).
const antispoof = (name: string) => new Uint8Array(fs.readFileSync(new URL(`../fixtures/antispoof/${name}`, import.meta.url)));

describe('presentation attacks', () => {
  it('refuses the print still as an enrolment view (default liveness settings) and enrols the live still', { timeout: 240_000 }, async () => {
    const srv = await startTestServer({ ENROL_POSES: '', ENROL_MAX_ANGLE: '0.6' });
    try {
      const client = await TestClient.connect(srv.url);
      client.sendJson({ type: 'enrol.start', name: 'Poster', samples: 1 });
      await client.next((m) => m.type === 'enrol.started');
      for (let i = 0; i < 3; i++) {
        const p = await offer(client, antispoof('print.jpg'));
        expect(p).toMatchObject({ accepted: false, code: 'not_live' });
        expect(p.reason).toMatch(/does not look live \(presentation-attack score 0\.\d\d, needs 0\.5\)/);
      }
      client.sendJson({ type: 'enrol.cancel' });
      expect(await srv.store.listPeople()).toEqual([]);

      client.sendJson({ type: 'enrol.start', name: 'Live Person', samples: 1 });
      await client.next((m) => m.type === 'enrol.started');
      const done = client.next((m) => m.type === 'enrol.done');
      expect(await offer(client, antispoof('live.jpg'))).toMatchObject({ accepted: true });
      expect(await done).toMatchObject({ name: 'Live Person', created: true });
      client.close();
    } finally {
      await srv.close();
    }
  });

  it(
    'with RECOGNITION_REQUIRE_LIVE, never names the print however long it is shown, and names a live face after a few frames',
    { timeout: 240_000 },
    async () => {
      // Both enrolled without the liveness gate (as an operator uploading a photo would), so only recognition decides.
      const srv = await startTestServer({ ENROL_REQUIRE_LIVE: 'false', RECOGNITION_REQUIRE_LIVE: 'true', ENROL_POSES: '', ENROL_MAX_ANGLE: '0.6' });
      try {
        const client = await TestClient.connect(srv.url);
        for (const [name, jpeg] of [
          ['Poster', antispoof('print.jpg')],
          ['Paul Allen', fixture('Paul_Allen/3.jpg')],
        ] as const) {
          client.sendJson({ type: 'enrol.start', name, samples: 1 });
          const done = client.next((m) => m.type === 'enrol.done');
          await client.frame(jpeg);
          await done;
        }
        client.close();

        const attacker = await TestClient.connect(srv.url);
        // Withheld (no verdict shown) until decisive evidence: a run of refuseRun frames scored as attacks; then "not live".
        const { refuseRun } = DEFAULT_LIVENESS_EVIDENCE;
        for (let i = 0; i < refuseRun + 3; i++) {
          const o = await attacker.frame(antispoof('print.jpg'));
          expect(o.tracks[0]!.name).toBeNull();
          expect(o.tracks[0]!.liveOk).toBe(i >= refuseRun - 1 ? false : undefined);
        }
        attacker.close();

        const person = await TestClient.connect(srv.url);
        const names: (string | null)[] = [];
        for (let i = 0; i < 8; i++) names.push((await person.frame(fixture('Paul_Allen/5.jpg'))).tracks[0]!.name);
        expect(names.slice(0, 2)).toEqual([null, null]); // the evidence rule needs a run of real frames first
        expect(names.at(-1)).toBe('Paul Allen');
        person.close();
      } finally {
        await srv.close();
      }
    },
  );
});
