// Enrolment from uploads at default settings, on a real server with real models: dim and bright webcam-like frames
// are taken (the old gates refused them), a group photo is answered with its faces and one is enrolled by index, a
// view only a soft gate refuses is stored with "use anyway" and says so, a look-alike is shown beside the person it
// matched, and a photo without a face stays refused whatever the flags.
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { api, photo, type Upload } from '../helpers/http.js';
import { describeEachDatabase, startTestServer, testConfig } from '../helpers/server.js';
import { fixture } from '../helpers/ws-client.js';

interface Result {
  file: string;
  status: string;
  code?: string;
  reason?: string;
  faceId?: string;
  faces?: { index: number; box: { x: number; width: number }; score: number; crop: string }[];
  duplicate?: { personId: string; name: string; score: number; faceId: string | null; cropUrl: string | null };
  crop?: string;
  measures?: Record<string, number | undefined>;
  overridden?: { code: string; reason: string }[];
}
type Answer = { accepted: number; rejected: number; results: Result[] };

/** A 640x480 webcam-like frame: the photo fitted in, grey around, pixel values x gain + offset, JPEG q80. */
async function webcamFrame(rel: string, gain: number, offset: number): Promise<Uint8Array> {
  const jpeg = await sharp(fixture(rel))
    .resize(640, 480, { fit: 'contain', background: { r: 90, g: 90, b: 90 } })
    .linear(gain, offset)
    .jpeg({ quality: 80 })
    .toBuffer();
  return new Uint8Array(jpeg);
}

const upload = (name: string, bytes: Uint8Array): Upload => ({ field: 'images', name, bytes });
const decodesAsJpeg = async (dataUrl: string) => (await sharp(Buffer.from(dataUrl.replace(/^data:image\/jpeg;base64,/, ''), 'base64')).metadata()).format;

describeEachDatabase('enrolment uploads at default settings on $name', (target) => {
  let server: RunningServer;
  let http: ReturnType<typeof api>;
  const person = async (name: string) => ((await (await http.json('POST', '/api/v1/people', { name })).json()) as { id: string }).id;
  const send = async (id: string, files: Upload[], fields: Record<string, string> = {}) => {
    const res = await http.upload(`/api/v1/people/${id}/faces`, files, fields);
    expect(res.status).toBe(200);
    return (await res.json()) as Answer;
  };

  beforeAll(async () => {
    server = await startTestServer(await target.freshEnv());
    http = api(server);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('takes a dim and a bright webcam frame that the old exposure gates (60..200, then 15..210) refused, and names the person from them', async () => {
    const id = await person('Guido van Rossum');
    // A dim room (brightness ~36) and a washed-out frame facing a window (~225, nothing clipped: the refused
    // webcams measured 217-228), which the exposure mend brings back before embedding.
    const dim = await webcamFrame('Guido_van_Rossum/1.jpg', 0.3, 0);
    const bright = await webcamFrame('Guido_van_Rossum/3.jpg', 0.22, 255 * 0.78);
    const r = await send(id, [upload('dim.jpg', dim), upload('bright.jpg', bright)]);
    const [d, b] = r.results;
    expect(d, JSON.stringify(d)).toMatchObject({ status: 'accepted' });
    expect(b, JSON.stringify(b)).toMatchObject({ status: 'accepted' });
    expect(d!.measures!.brightness!).toBeLessThan(60);
    expect(b!.measures!.brightness!).toBeGreaterThan(215);
    expect(d!.overridden).toBeUndefined();
    const faces = (await (await http.get(`/api/v1/people/${id}/faces`)).json()) as { items: { measures: { brightness: number }; overridden: unknown }[] };
    expect(faces.items.map((f) => Math.round(f.measures.brightness)).sort((x, y) => x - y)).toEqual([
      Math.round(d!.measures!.brightness!),
      Math.round(b!.measures!.brightness!),
    ]);
    expect(faces.items.every((f) => f.overridden === null)).toBe(true);
    // Enrolled from those two views alone, a well-lit photo of him is named.
    const who = await http.upload('/api/v1/identify', [photo('Guido_van_Rossum/2.jpg', 'image')]);
    expect(who.status).toBe(200);
    const named = (await who.json()) as { faces: { person: { id: string } | null }[] };
    expect(named.faces.map((f) => f.person?.id)).toEqual([id]);

    // Darker still, where the measurement says a view costs recognition: refused, naming gate, value, threshold, remedy.
    const darker = await send(id, [upload('darker.jpg', await webcamFrame('Guido_van_Rossum/2.jpg', 0.08, 0))]);
    expect(darker.results[0]).toMatchObject({ status: 'rejected', code: 'too_dark' });
    expect(darker.results[0]!.reason).toMatch(/^face too dark \(brightness \d+, needs 15, ENROL_MIN_BRIGHTNESS\): add light/);
  });

  it('answers a two-face photo with both faces, then enrols the one chosen', async () => {
    const id = await person('Left Person');
    const first = await send(id, [photo('_group/two_people.jpg')]);
    expect(first).toMatchObject({ accepted: 0, rejected: 1 });
    const r = first.results[0]!;
    expect(r.code).toBe('multiple_faces');
    expect(r.reason).toMatch(/^2 faces in this image: choose/);
    expect(r.faces).toHaveLength(2);
    expect(r.faces!.map((f) => f.index)).toEqual([0, 1]);
    expect(r.faces![0]!.box.x).toBeLessThan(r.faces![1]!.box.x); // left to right
    for (const f of r.faces!) expect(await decodesAsJpeg(f.crop)).toBe('jpeg');
    expect(await server.store.listPeople()).toContainEqual(expect.objectContaining({ name: 'Left Person', faces: 0 }));

    const chosen = await send(id, [photo('_group/two_people.jpg')], { face: '0' });
    expect(chosen.results[0], JSON.stringify(chosen.results[0])).toMatchObject({ status: 'accepted' });
    // The face stored is the left one: its own embedding finds it at ~1, the right one's does not.
    const group = await server.analyzer.embedAll(fixture('_group/two_people.jpg'), 4096 * 4096);
    if (!group.ok) throw new Error('analysis failed');
    const [left, right] = [...group.faces].sort((a, b) => a.box.x - b.box.x);
    expect(server.gallery.search(left!.embedding, 1)[0]).toMatchObject({ name: 'Left Person', score: expect.closeTo(1, 2) });
    expect(server.gallery.search(right!.embedding, 1)[0]?.score ?? 0).toBeLessThan(0.95);

    const bad = await send(id, [photo('_group/two_people.jpg')], { face: '5' });
    expect(bad.results[0]).toMatchObject({ status: 'rejected', code: 'bad_face_index' });
  });

  it('stores a view only a soft gate refuses with "use anyway", recording the refusal', async () => {
    const id = await person('Lin-Manuel Miranda');
    // A small face in a large frame: refused as too small at the default ENROL_MIN_FACE_PX.
    const small = new Uint8Array(
      await sharp(fixture('Lin-Manuel_Miranda/1.jpg'))
        .resize(90)
        .extend({ top: 180, bottom: 180, left: 260, right: 260, background: { r: 90, g: 90, b: 90 } })
        .jpeg({ quality: 90 })
        .toBuffer(),
    );
    const refused = await send(id, [upload('small.jpg', small)]);
    expect(refused.results[0]).toMatchObject({ status: 'rejected', code: 'too_small' });
    expect(refused.results[0]!.reason).toMatch(/face too small \(\d+ px, needs \d+ px, ENROL_MIN_FACE_PX\): come closer/);

    const anyway = await send(id, [upload('small.jpg', small)], { useAnyway: 'true' });
    expect(anyway.results[0]).toMatchObject({ status: 'accepted', overridden: [{ code: 'too_small' }] });
    const faces = (await (await http.get(`/api/v1/people/${id}/faces`)).json()) as {
      items: { overridden: { code: string }[]; measures: Record<string, number> }[];
    };
    expect(faces.items).toHaveLength(1);
    expect(faces.items[0]!.overridden).toEqual([{ code: 'too_small', reason: expect.stringMatching(/too small/) }]);
    expect(faces.items[0]!.measures.facePx).toBeLessThan(testConfig().ENROL_MIN_FACE_PX);
  });

  it('still refuses a photo without a face, with or without "use anyway"', async () => {
    const id = await person('Nobody');
    // The top of a fixture photo above the head: background, no face.
    const noFace = new Uint8Array(await sharp(fixture('Barack_Obama/1.jpg')).resize(400, 400, { fit: 'cover', position: 'top' }).blur(12).jpeg().toBuffer());
    for (const fields of [{}, { useAnyway: 'true', allowDuplicate: 'true' }] as Record<string, string>[]) {
      const r = await send(id, [upload('wall.jpg', noFace)], fields);
      expect(r.results[0]).toMatchObject({ status: 'rejected', code: 'no_face' });
    }
    expect(await server.store.listPeople()).toContainEqual(expect.objectContaining({ name: 'Nobody', faces: 0 }));
  });

  it('shows who a look-alike is already enrolled as, and adds it only when confirmed', async () => {
    const guido = (await server.store.listPeople()).find((p) => p.name === 'Guido van Rossum')!.id;
    const other = await person('Someone Else');
    const r = await send(other, [photo('Guido_van_Rossum/2.jpg')], { useAnyway: 'true' });
    const d = r.results[0]!;
    expect(d).toMatchObject({ status: 'rejected', code: 'duplicate_person', duplicate: { personId: guido, name: 'Guido van Rossum' } });
    expect(d.reason).toMatch(/already enrolled as "Guido van Rossum"/);
    expect(d.duplicate!.cropUrl).toBe(`/api/v1/faces/${d.duplicate!.faceId}/crop`);
    expect((await http.get(d.duplicate!.cropUrl!)).headers.get('content-type')).toBe('image/jpeg');
    expect(await decodesAsJpeg(d.crop!)).toBe('jpeg');
    const confirmed = await send(other, [photo('Guido_van_Rossum/2.jpg')], { allowDuplicate: 'true' });
    expect(confirmed.results[0]).toMatchObject({ status: 'accepted' });
  });
});
