// The operator's pages in Debian's Chromium on a real server: the people library (add photos with per-image verdicts,
// remove a wrong face, which then stops matching on a live socket), unknown faces (promote a group of sightings to a
// new person, then recognized live) and attendance (one row a person a day, CSV). Screenshots go to docs/screenshots/.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { checkIns, unknownSightings } from '../../src/server/store/schema.js';
import type { Overlay } from '../../src/shared/protocol.js';
import { api, photo } from '../helpers/http.js';
import { startTestServer, tempDir } from '../helpers/server.js';
import { FIXTURES, TestClient, fixture } from '../helpers/ws-client.js';
import { collectPageErrors, launchChromium, makeFakeWebcamY4m, saveScreenshot } from './harness.js';
import { rawDrizzle } from '../../src/server/store/db.js';

const SHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends `photo` until the first track satisfies `ok` (identity voting and gallery re-checks take a few frames). */
async function frameUntil(cam: TestClient, rel: string, ok: (t: Overlay['tracks'][number]) => boolean, frames = 12): Promise<Overlay['tracks'][number]> {
  let last: Overlay['tracks'][number] | undefined;
  for (let i = 0; i < frames; i++) {
    last = (await cam.frame(fixture(rel))).tracks[0];
    if (last && ok(last)) return last;
  }
  throw new Error(`after ${frames} frames of ${rel} the track is ${JSON.stringify(last)}`);
}

describe('operator pages', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    if (!fs.existsSync(new URL('../../public/build/people.js', import.meta.url))) throw new Error('client bundle missing: run `npm run build:client`');
    const dir = tempDir();
    const y4m = await makeFakeWebcamY4m(path.join(FIXTURES, 'Guido_van_Rossum/1.jpg'), path.join(dir, 'guido.y4m'));
    server = await startTestServer({ DATA_DIR: dir, UNKNOWN_SIGHTING_AFTER_MS: '300' });
    browser = await launchChromium(y4m);
    page = await (await browser.newContext({ viewport: { width: 1200, height: 800 } })).newPage();
    errors = collectPageErrors(page);
    page.on('dialog', (d) => void d.accept());
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('library: photos added by upload show their verdicts; removing a wrong face stops it matching on a live socket', async () => {
    const http = api(server);
    for (const [name, photos] of [
      ['Guido van Rossum', ['Guido_van_Rossum/1.jpg', 'Guido_van_Rossum/3.jpg']],
      ['Barack Obama', ['Barack_Obama/1.jpg', 'Barack_Obama/2.jpg']],
      ['Amy', ['Amy/1.jpg']],
    ] as const) {
      const p = (await (await http.json('POST', '/api/v1/people', { name })).json()) as { id: string };
      await http.upload(
        `/api/v1/people/${p.id}/faces`,
        photos.map((f) => photo(f)),
      );
    }
    await page.goto(`${server.url}/people.html`);
    await page.locator('#new-name').fill('Paul Allen');
    await page.locator('#create-person button').click();
    await page.locator('#person-name').filter({ hasText: 'Paul Allen' }).waitFor({ timeout: 10_000 });

    // The operator picks photos, one of them (by mistake) of someone else, and one group photo.
    await page.locator('#upload').setInputFiles(['Paul_Allen/1.jpg', 'Joe_Biden/1.jpg', '_group/two_people.jpg'].map((f) => path.join(FIXTURES, f)));
    await expect.poll(() => page.locator('#upload-results li').count(), { timeout: 60_000 }).toBe(3);
    expect(
      await page
        .locator('#upload-results li')
        .evaluateAll((els) => els.map((e) => [(e as HTMLElement).dataset.status, (e as HTMLElement).dataset.code ?? null])),
    ).toEqual([
      ['accepted', null],
      ['accepted', null],
      ['rejected', 'multiple_faces'],
    ]);
    await expect.poll(() => page.locator('#faces li.face').count(), { timeout: 10_000 }).toBe(2);
    // Each face says which model embedded it: the server's own, so none is marked as not searched.
    const model = server.gallery.stats().modelId;
    await expect.poll(() => page.locator('#faces li.face .face-model').allTextContents()).toEqual([model, model]);
    expect(await page.locator('#faces .stale-face').count()).toBe(0);
    const wrongFace = await page.locator('#upload-results li:nth-child(2)').getAttribute('data-face-id');
    expect(wrongFace).toMatch(/^[0-9a-f-]{36}$/);

    // A camera already streaming takes Joe Biden for Paul Allen...
    const cam = await TestClient.connect(server.url, { camera: 'lab' });
    expect((await frameUntil(cam, 'Joe_Biden/1.jpg', (t) => t.state === 'recognized')).name).toBe('Paul Allen');
    await saveScreenshot(page, path.join(SHOTS, 'person.png'), { fullPage: true });

    // ...until the operator says "not them" on that face.
    await page.locator(`li.face[data-face-id="${wrongFace}"] .remove-face`).click();
    await expect.poll(() => page.locator('#faces li.face').count(), { timeout: 10_000 }).toBe(1);
    expect(await page.locator('#person-notice').textContent()).toMatch(/Face removed/);
    expect((await frameUntil(cam, 'Joe_Biden/1.jpg', (t) => t.state === 'unknown')).name).toBeNull();
    expect((await frameUntil(cam, 'Paul_Allen/1.jpg', (t) => t.state === 'recognized')).name).toBe('Paul Allen');
    cam.close();

    await page.goto(`${server.url}/people.html`);
    await expect.poll(() => page.locator('#people-grid li').count(), { timeout: 10_000 }).toBe(4);
    expect(await page.locator('#people-grid li .name').allTextContents()).toEqual(['Amy', 'Barack Obama', 'Guido van Rossum', 'Paul Allen']);
    expect(await page.locator('#people-grid li[data-person-id] .muted').last().textContent()).toMatch(/^1 face · last seen /);
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('#people-grid img')].every((i) => i.complete && i.naturalWidth > 0));
    await saveScreenshot(page, path.join(SHOTS, 'people.png'));
    await page.locator('#search').fill('bar');
    await expect.poll(() => page.locator('#people-grid li .name').allTextContents()).toEqual(['Barack Obama']);
  });

  it('live and enrolment pages on a still camera: the enrolled name, the mirrored preview, a hint, and a panel reset on cancel', async () => {
    await page.goto(`${server.url}/`);
    await expect.poll(() => page.locator('#tracks li').first().textContent(), { timeout: 30_000 }).toMatch(/^Guido van Rossum [01]\.\d\d #\d+$/);
    await expect.poll(() => page.locator('#gallery').textContent()).toBe('4 people, 6 faces enrolled');
    await page.waitForTimeout(1500); // let the box settle on the face for the picture
    await saveScreenshot(page, path.join(SHOTS, 'live.png'));

    await page.goto(`${server.url}/enrol.html`);
    await expect.poll(() => page.locator('#enrol-start').isEnabled(), { timeout: 20_000 }).toBe(true);
    await page.locator('#name').fill('Guido van Rossum');
    await page.locator('#enrol-start').click();
    // A still picture: one view is taken, then the same view is refused and the page says what to do.
    await expect.poll(() => page.locator('#enrol-reason').textContent(), { timeout: 30_000 }).not.toBe('');
    expect(await page.locator('#enrol-poses li').count()).toBeGreaterThan(0);
    await page.waitForTimeout(1000);
    await saveScreenshot(page, path.join(SHOTS, 'enrol.png'));
    await page.locator('#enrol-cancel').click();
    await expect.poll(() => page.locator('#enrol-result').textContent(), { timeout: 10_000 }).toMatch(/^Cancelled/);
    expect(await page.locator('#enrol-poses li').count()).toBe(0);
    expect(await page.locator('#enrol-reason').textContent()).toBe('');
    expect(await page.locator('#enrol-prompt').textContent()).toBe('');
  });

  it('unknown faces: a group of sightings becomes a new person, whom the cameras then recognize', async () => {
    await rawDrizzle(server.store).delete(unknownSightings); // the first test's camera saw Joe Biden unknown too
    // Two visits of a stranger and one of another, each unknown for longer than UNKNOWN_SIGHTING_AFTER_MS.
    for (const rel of ['Lin-Manuel_Miranda/1.jpg', 'Lin-Manuel_Miranda/1.jpg', 'Joe_Biden/2.jpg']) {
      const cam = await TestClient.connect(server.url, { camera: 'lobby' });
      for (let i = 0; i < 4; i++) {
        await cam.frame(fixture(rel));
        await sleep(150);
      }
      cam.close();
    }
    await server.sightings.whenIdle();
    await page.goto(`${server.url}/unknown.html`);
    await expect.poll(() => page.locator('#groups > li').count(), { timeout: 10_000 }).toBe(2);
    const groups = await page.locator('#groups > li').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.sightings!.split(' ').length));
    expect(groups.sort()).toEqual([1, 2]);
    const stranger = page.locator('#groups > li').filter({ has: page.locator('.crop:nth-child(2)') });
    expect(await stranger.locator('p.muted').textContent()).toMatch(/^Seen 2 times · lobby · /);
    expect(await stranger.locator('.crop').first().getAttribute('title')).toMatch(/similarity 0\.\d\d; a match needs 0\.\d\d/);
    expect(await stranger.textContent()).not.toMatch(/0\.\d\d/); // no bare score on the card
    await saveScreenshot(page, path.join(SHOTS, 'unknown.png'));

    await stranger.locator('.promote-name').fill('Lin-Manuel Miranda');
    await stranger.locator('.promote-form button').click();
    await expect.poll(() => page.locator('#unknown-notice').textContent(), { timeout: 10_000 }).toMatch(/^Lin-Manuel Miranda was added with 2 faces/);
    await expect.poll(() => page.locator('#groups > li').count()).toBe(1);
    expect((await server.store.listPeople()).find((p) => p.name === 'Lin-Manuel Miranda')?.faces).toBe(2);
    const cam = await TestClient.connect(server.url, { camera: 'lobby' });
    expect((await frameUntil(cam, 'Lin-Manuel_Miranda/1.jpg', (t) => t.state === 'recognized')).name).toBe('Lin-Manuel Miranda');
    cam.close();
  });

  it('attendance: one row a person a day with first and last seen, filtered by camera, as CSV', async () => {
    const people = await server.store.listPeople();
    const id = (name: string) => people.find((p) => p.name === name)!.id;
    const day = (back: number, h: number, m: number) => {
      const d = new Date();
      d.setDate(d.getDate() - back);
      d.setHours(h, m, 0, 0);
      return d;
    };
    const rows: [string, Date, string][] = [
      ['Paul Allen', day(1, 8, 59), 'door'],
      ['Paul Allen', day(1, 12, 30), 'lobby'],
      ['Guido van Rossum', day(1, 9, 5), 'door'],
      ['Guido van Rossum', day(2, 9, 10), 'door'],
      ['Barack Obama', day(2, 17, 45), 'garage'],
    ];
    // Written as past rows (recordCheckIn refuses a check-in older than one already stored, as the live path should).
    await rawDrizzle(server.store)
      .insert(checkIns)
      .values(rows.map(([name, at, camera]) => ({ personId: id(name), at, score: 0.97, camera })));

    await page.goto(`${server.url}/attendance.html`);
    const yesterday = page.locator(
      `#rows tr[data-day="${await page.evaluate(
        (t) => {
          const d = new Date(t);
          return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
        },
        day(1, 12, 0).getTime(),
      )}"]`,
    );
    await expect.poll(() => yesterday.count(), { timeout: 10_000 }).toBe(2);
    expect(await yesterday.evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)))).toEqual([
      [expect.any(String), 'Paul Allen', '08:59', '12:30', '2', 'door, lobby'],
      [expect.any(String), 'Guido van Rossum', '09:05', '09:05', '1', 'door'],
    ]);
    await saveScreenshot(page, path.join(SHOTS, 'attendance.png'));

    await page.locator('#camera').selectOption('door');
    await expect.poll(() => page.locator('#rows tr').count()).toBe(3);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download').click()]);
    const csv = fs.readFileSync((await download.path())!, 'utf8').split('\r\n');
    expect(csv[0]).toBe('day,person_id,name,first_check_in,last_seen,check_ins,cameras');
    // Times as ISO 8601 with the browser's offset, so a spreadsheet elsewhere reads the same instant.
    const at0859 = String.raw`\d{4}-\d\d-\d\dT08:59:00[+-]\d\d:\d\d`;
    expect(csv.filter((l) => l.includes('Paul Allen'))).toEqual([expect.stringMatching(new RegExp(`,Paul Allen,${at0859},${at0859},1,door$`))]);
    expect(csv.filter(Boolean)).toHaveLength(4);
    expect(errors).toEqual([]);
  });

  it("a person's page marks a face another model made, which the server could not re-embed, and says to enrol again", async () => {
    // A face left from a server that ran another model, with no stored crop: start-up could not re-embed it.
    const { personId } = await server.store.commitEnrolment({
      name: 'Old Gallery',
      modelId: 'dlib-resnet128.chip150.v1',
      faces: [{ embedding: Float32Array.from({ length: 128 }, (_, i) => (i ? 0 : 1)) }],
    });
    await page.goto(`${server.url}/people.html?id=${personId}`);
    await page.locator('#person-name').filter({ hasText: 'Old Gallery' }).waitFor({ timeout: 10_000 });
    await expect.poll(() => page.locator('#faces li.face .face-model').allTextContents()).toEqual(['dlib-resnet128.chip150.v1']);
    const warning = await page.locator('#faces .stale-face').textContent();
    expect(warning).toMatch(/^Not searched: made by another model/);
    expect(warning).toContain(`re-embedded for ${server.gallery.stats().modelId}`);
    expect(warning).toMatch(/enrol them at the camera again/);
    expect(errors).toEqual([]);
  });

  it("a person's page asks to enrol again a face moved to the running model from a small stored crop", async () => {
    const model = server.gallery.stats().modelId;
    const embedding = Float32Array.from({ length: server.analyzer.dims }, (_, i) => (i === 1 ? 1 : 0));
    const { personId, faceIds } = await server.store.commitEnrolment({ name: 'Moved Gallery', modelId: model, faces: [{ embedding }, { embedding }] });
    // What start-up's re-embedding records for a face whose stored crop was the old 150 px chip (gallery/reembed.ts).
    await server.store.reembed.setEmbedding(faceIds[0]!, model, embedding, 150);
    await page.goto(`${server.url}/people.html?id=${personId}`);
    await page.locator('#person-name').filter({ hasText: 'Moved Gallery' }).waitFor({ timeout: 10_000 });
    await expect.poll(() => page.locator('#faces li.face').count()).toBe(2);
    const marked = page.locator('#faces li.face').filter({ has: page.locator('.reenrol-face') });
    expect(await marked.getAttribute('data-face-id')).toBe(faceIds[0]);
    expect(await marked.locator('.reenrol-face').textContent()).toMatch(/^Enrol again for full accuracy/);
    expect(await marked.locator('.reenrol-face').getAttribute('title')).toMatch(/from a 150 px stored crop/);
    expect(await page.locator('#faces .stale-face').count()).toBe(0);
    // The Status page's count links to the people to enrol again: this one and the earlier test's "Old Gallery" (a face of
    // another model), each marked; the people with nothing to redo are not listed.
    await page.goto(`${server.url}/people.html?enrolAgain=1`);
    await page.locator('#enrol-again-filter').waitFor({ timeout: 10_000 });
    await expect.poll(() => page.locator('#people-grid .person-card .name').allTextContents()).toEqual(['Moved Gallery', 'Old Gallery']);
    expect(await page.locator('#people-grid .enrol-again').allTextContents()).toEqual(['Enrol again: 1 face', 'Enrol again: 1 face']);
    expect(errors).toEqual([]);
  });
});
