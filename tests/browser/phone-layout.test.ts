// Every page at phone size (390 x 844, a phone's viewport with touch) in Debian's Chromium on a real server with people,
// check-ins, unknown faces, recognitions, a camera and a webhook: no horizontal scroll, no element past either edge,
// no text clipped inside its box, the menu reachable (every entry inside the screen), the attendance table within
// the screen, and the kiosk's greeting beside (not over) the video with its status pill whole. Screenshots of the
// phone pages go to docs/screenshots/phone-*.png.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { rawDrizzle } from '../../src/server/store/db.js';
import { checkIns } from '../../src/server/store/schema.js';
import { DEFAULT_EMBEDDING_MODEL } from '../../src/server/config.js';
import { strangerRate, type OperatingPoint } from '../../src/server/recognition/operating-point.js';
import { readManifest } from '../../src/server/vision/models.js';
import { api, photo } from '../helpers/http.js';
import { startTestServer, tempDir } from '../helpers/server.js';
import { FIXTURES, TestClient, fixture } from '../helpers/ws-client.js';
import { collectPageErrors, launchChromium, saveScreenshot, makeSlideshowY4m } from './harness.js';

const SHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const PHONE = { width: 390, height: 844 };
/** The phone's time zone: the attendance page must show its local times and name it. */
const ZONE = 'Europe/Berlin';
const hhmmIn = (d: Date) => new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(d);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Layout {
  /** document width beyond the viewport (horizontal scroll), px */
  scrollOverflow: number;
  /** visible elements reaching past the left or right edge */
  outside: string[];
  /** elements whose content is wider than their box while they hide the rest (cut-off text) */
  clipped: string[];
}

/** Measures what a phone user could not see without scrolling sideways, or could not see at all. */
function measure(page: Page): Promise<Layout> {
  return page.evaluate(() => {
    const vw = document.documentElement.clientWidth;
    const describe = (el: Element): string => {
      const id = el.id ? `#${el.id}` : '';
      const cls = el.classList.length ? `.${[...el.classList].join('.')}` : '';
      const text = (el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 30);
      return `${el.tagName.toLowerCase()}${id}${cls} "${text}"`;
    };
    const visible = (el: Element): boolean => {
      const s = getComputedStyle(el);
      const r = el.getBoundingClientRect();
      return s.visibility !== 'hidden' && s.display !== 'none' && r.width > 0 && r.height > 0;
    };
    const outside: string[] = [];
    const clipped: string[] = [];
    for (const el of document.body.querySelectorAll('*')) {
      if (!visible(el) || el.closest('[hidden]')) continue;
      const r = el.getBoundingClientRect();
      if (r.left < -0.5 || r.right > vw + 0.5) outside.push(`${describe(el)} ${Math.round(r.left)}..${Math.round(r.right)}`);
      const s = getComputedStyle(el);
      const hides = s.overflowX !== 'visible';
      if (hides && el.scrollWidth > el.clientWidth + 1 && !(el instanceof HTMLVideoElement || el instanceof HTMLCanvasElement))
        clipped.push(`${describe(el)} ${el.scrollWidth}>${el.clientWidth}`);
    }
    return { scrollOverflow: document.documentElement.scrollWidth - vw, outside, clipped };
  });
}

async function expectFits(page: Page, what: string): Promise<void> {
  const m = await measure(page);
  expect({ what, ...m }).toEqual({ what, scrollOverflow: 0, outside: [], clipped: [] });
}

describe('every page at phone size (390 x 844)', () => {
  let server: RunningServer;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let errors: string[];
  let guido: string;
  let paul: string;
  let paulTimes: { first: Date; last: Date };

  beforeAll(async () => {
    if (!fs.existsSync(new URL('../../public/build/people.js', import.meta.url))) throw new Error('client bundle missing: run `npm run build:client`');
    const dir = tempDir();
    const y4m = await makeSlideshowY4m(
      [3, 5].map((n) => path.join(FIXTURES, `Guido_van_Rossum/${n}.jpg`)),
      path.join(dir, 'guido.y4m'),
      { secondsEach: 2 },
    );
    server = await startTestServer({ DATA_DIR: dir, UNKNOWN_SIGHTING_AFTER_MS: '300' });
    const http = api(server);
    const ids: Record<string, string> = {};
    for (const [name, photos] of [
      ['Guido van Rossum', ['Guido_van_Rossum/1.jpg', 'Guido_van_Rossum/2.jpg']],
      ['Paul Allen', ['Paul_Allen/1.jpg']],
      ['Maximiliane Rosenkranz-Oberhauser', ['Amy/1.jpg']],
    ] as const) {
      ids[name] = ((await (await http.json('POST', '/api/v1/people', { name })).json()) as { id: string }).id;
      await http.upload(
        `/api/v1/people/${ids[name]}/faces`,
        photos.map((f) => photo(f)),
      );
    }
    guido = ids['Guido van Rossum']!;
    paul = ids['Paul Allen']!;
    // Check-ins on long camera names, so the attendance table has its widest content.
    // Yesterday between 08:00 and 09:30 UTC (09:00-11:30 in Berlin): one local day whatever time the test runs.
    const morning = new Date();
    morning.setUTCDate(morning.getUTCDate() - 1);
    morning.setUTCHours(9, 30, 0, 0);
    const at = (minutesBefore: number) => new Date(morning.getTime() - minutesBefore * 60_000);
    paulTimes = { first: at(90), last: at(10) };
    await rawDrizzle(server.store)
      .insert(checkIns)
      .values([
        { personId: ids['Paul Allen']!, at: at(90), score: 0.97, camera: 'main entrance north' },
        // Checked in 30 minutes ago, and seen by a camera until 10 minutes ago: "last seen" is the later.
        { personId: ids['Paul Allen']!, at: at(30), lastSeenAt: at(10), score: 0.97, camera: 'loading dock camera' },
        { personId: ids['Maximiliane Rosenkranz-Oberhauser']!, at: at(60), score: 0.97, camera: 'main entrance north' },
      ]);
    // An unknown face and a recognition of Guido (recognition history), from a socket camera.
    // Joe Biden twice: two sightings, one group on the Unknown faces page.
    for (const rel of ['Joe_Biden/2.jpg', 'Joe_Biden/2.jpg', 'Guido_van_Rossum/3.jpg']) {
      const cam = await TestClient.connect(server.url, { camera: 'reception' });
      for (let i = 0; i < 5; i++) {
        await cam.frame(fixture(rel));
        await sleep(150);
      }
      cam.close();
    }
    await server.sightings.whenIdle();
    // A camera the server cannot reach (its error is long) and a webhook with a long URL.
    const camera = await http.json('POST', '/api/v1/cameras', { name: 'Back gate', url: 'rtsp://admin:secret@127.0.0.1:9/stream1/very/long/path', maxFps: 2 });
    expect(camera.status).toBe(201);
    const hook = await http.json('POST', '/api/v1/webhooks', {
      name: 'Chat notifications for the front office',
      url: 'https://hooks.example.org/services/T000000/B000000/XXXXXXXXXXXXXXXXXXXXXXXX',
      eventTypes: ['checkin'],
    });
    expect(hook.status).toBe(201);

    browser = await launchChromium(y4m);
    ctx = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, deviceScaleFactor: 1, timezoneId: ZONE });
    page = await ctx.newPage();
    errors = collectPageErrors(page);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('the menu wraps: every entry is inside the screen and can be tapped', async () => {
    await page.goto(`${server.url}/people.html`);
    await page.locator('header.topbar nav a').first().waitFor({ timeout: 10_000 });
    const links = await page.locator('header.topbar nav a').evaluateAll((as) =>
      as.map((a) => {
        const r = a.getBoundingClientRect();
        return { text: a.textContent, left: r.left, right: r.right, height: r.height };
      }),
    );
    expect(links.map((l) => l.text)).toContain('Unknown faces');
    for (const l of links) {
      expect(l.left, l.text!).toBeGreaterThanOrEqual(0);
      expect(l.right, l.text!).toBeLessThanOrEqual(PHONE.width);
      expect(l.height, l.text!).toBeGreaterThanOrEqual(24); // a finger-sized target
    }
    await page.locator('header.topbar nav a', { hasText: 'Unknown faces' }).tap();
    await page.waitForURL(/unknown\.html$/);
    await expectFits(page, 'menu');
  });

  it('unknown faces: the count is of groups (the cards shown), not of sightings', async () => {
    expect(await server.store.sightings.count()).toBe(2);
    await page.goto(`${server.url}/unknown.html`);
    await expect.poll(() => page.locator('#groups > li').count(), { timeout: 10_000 }).toBe(1);
    expect(await page.locator('#unknown-total').textContent()).toBe('1');
    expect(await page.locator('#unknown-total').getAttribute('title')).toBe('1 group of alike faces, 2 sightings');
    await saveScreenshot(page, path.join(SHOTS, 'phone-unknown.png'));
  });

  const listPages: [string, string, string][] = [
    ['people', '/people.html', '#people-grid li'],
    ['unknown', '/unknown.html', '#groups > li'],
    ['cameras', '/cameras.html', '#camera-rows tr'],
    ['wall', '/wall.html', '.wall-tile'],
    ['status', '/status.html', '.status-card'],
    ['integrations', '/integrations.html', '#webhooks tbody tr'],
    ['enrol', '/enrol.html', '#enrol-start'],
    ['live', '/', '#video'],
  ];
  for (const [name, url, ready] of listPages) {
    it(`${name} fits the screen`, async () => {
      await page.goto(`${server.url}${url}`);
      await page.locator(ready).first().waitFor({ timeout: 20_000 });
      await sleep(700);
      await expectFits(page, name);
      // Times on every page are local; the foot of the page names the zone.
      expect(await page.locator('#zone-note').textContent()).toMatch(/^Times are local: Europe\/Berlin, UTC\+0[12]:00\.$/);
      if (name === 'cameras') await saveScreenshot(page, path.join(SHOTS, 'phone-cameras.png'), { fullPage: true });
    });
  }

  it('status: the operating point (threshold and estimated stranger rate at this gallery size), in /health and on the page', async () => {
    const health = (await (await fetch(`${server.url}/health`)).json()) as { operatingPoint: OperatingPoint };
    const op = health.operatingPoint;
    // The default model's calibrated threshold.
    expect(op).toMatchObject({ threshold: readManifest(DEFAULT_EMBEDDING_MODEL)!.threshold, thresholdFrom: 'model', galleryPeople: 3, fpirTarget: 0.01 });
    // 3 people: 1 - (1 - q)^3 with q the measured share of comparisons at or above the threshold.
    const worst = op.strangerRate!.worst;
    expect(worst.estimate).toBe(strangerRate(worst.accepted / op.strangerRate!.comparisons, 3));
    expect(worst.estimate).toBeGreaterThan(0);
    await page.goto(`${server.url}/status.html`);
    await page.locator('#stranger-rate').waitFor({ timeout: 10_000 });
    const card = await page.locator('#status-operating-point').textContent();
    expect(card).toContain(
      `Match threshold${op.threshold} (cosine similarity; the model's calibrated threshold, chosen to name 1.0% of strangers with 38 people enrolled)`,
    );
    // As the page writes a share (two decimals below 0.1%), with the bound of none seen when no comparison matched.
    const pct = (x: number) => `${(100 * x).toFixed(x > 0 && x < 1e-3 ? 2 : 1)}%`;
    const clean = op.strangerRate!.clean!;
    expect(await page.locator('#stranger-rate').textContent()).toBe(
      `${pct(clean.estimate)}${clean.accepted === 0 ? ` (at most ${pct(clean.upper95)})` : ''} on clean photos, up to ${pct(worst.estimate)} on ${worst.condition} faces`,
    );
    expect(await page.locator('#stranger-rate-basis').textContent()).toMatch(/comparisons .*train\/gallery-fpir\.ts.*Not held out/);
    await expectFits(page, 'status');
    await saveScreenshot(page, path.join(SHOTS, 'phone-status.png'), { fullPage: true });
  });

  it("a person's page with recent recognitions fits the screen", async () => {
    await page.goto(`${server.url}/people.html?id=${guido}`);
    await page.locator('#faces li.face').first().waitFor({ timeout: 10_000 });
    await sleep(700);
    await expectFits(page, 'person');
  });

  it('a broken photo gets one clear message (what is wrong, what to do), over REST and on the People page, never library text', async () => {
    const jpeg = fixture('Amy/1.jpg');
    const broken = [
      { field: 'images', name: 'cut-after-header.jpg', bytes: jpeg.subarray(0, 300) },
      { field: 'images', name: 'half.jpg', bytes: jpeg.subarray(0, jpeg.length >> 1) },
      { field: 'images', name: 'notes.jpg', bytes: new TextEncoder().encode('not a photo at all') },
    ];
    const want = [
      /^the image data is damaged and cannot be decoded: open it/,
      /^the image is incomplete \(the file was cut off/,
      /^not an image the server can read \(JPEG, PNG or WebP\)/,
    ];
    const res = await api(server).upload(`/api/v1/people/${paul}/faces`, broken);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { accepted: number; results: { file: string; status: string; code: string; reason: string }[] };
    expect(body.accepted).toBe(0);
    expect(body.results.map((r) => [r.file, r.status, r.code])).toEqual(broken.map((b) => [b.name, 'rejected', 'not_an_image']));
    body.results.forEach((r, i) => {
      expect(r.reason).toMatch(want[i]!);
      expect(r.reason).not.toMatch(/vips|huffman|\n/i);
    });

    await page.goto(`${server.url}/people.html?id=${paul}`);
    await page.locator('#upload').setInputFiles(broken.map((b) => ({ name: b.name, mimeType: 'image/jpeg', buffer: Buffer.from(b.bytes) })));
    await expect.poll(() => page.locator('#upload-results li[data-status]').count(), { timeout: 30_000 }).toBe(3);
    const items = await page.locator('#upload-results li').allTextContents();
    items.forEach((text, i) => {
      expect(text).toMatch(new RegExp(`^✗ refused ${broken[i]!.name} — `));
      expect(text).toMatch(new RegExp(want[i]!.source.slice(1)));
      expect(text.split('—')).toHaveLength(2); // one message, not the same text again and again
      expect(text).not.toMatch(/vips/i);
    });
    expect(await page.locator('#person-notice').textContent()).toBe('0 added, 3 refused.');
    await expectFits(page, 'person upload');
  });

  it('sign-in (keys mode) fits the screen', async () => {
    const keyed = await startTestServer({ AUTH_MODE: 'keys', DATA_DIR: tempDir() });
    try {
      await page.goto(`${keyed.url}/attendance.html`);
      await page.locator('#signin-form').waitFor({ timeout: 10_000 });
      await expectFits(page, 'sign-in');
      const card = (await page.locator('#signin-form').boundingBox())!;
      expect(card.width).toBeLessThanOrEqual(PHONE.width);
    } finally {
      await keyed.close();
    }
    // The page's first whoami without a key is answered 401 on purpose (that is what shows the form); Chromium logs it.
    const expected = errors.filter((e) => /status of 401 \(Unauthorized\)/.test(e));
    expect(expected).toHaveLength(1);
    errors.splice(0, errors.length, ...errors.filter((e) => !expected.includes(e)));
  });

  it('attendance: the table is within the screen, every column readable without scrolling sideways', async () => {
    await page.goto(`${server.url}/attendance.html`);
    // Paul Allen and Maximiliane from the inserted check-ins, Guido from the reception camera.
    await expect.poll(() => page.locator('#rows tr').count(), { timeout: 10_000 }).toBe(3);
    const table = await page.locator('#attendance').boundingBox();
    expect(table!.width).toBeLessThanOrEqual(PHONE.width);
    await expectFits(page, 'attendance');
    // Every cell says what it is (the column names are hidden on a phone, so each cell carries its own).
    const cells = await page
      .locator('#rows tr')
      .first()
      .locator('td')
      .evaluateAll((tds) => tds.map((td) => getComputedStyle(td, '::before').content));
    expect(cells.every((c) => c !== 'none' && c !== '""')).toBe(true);
    // Local times of the phone's zone, the zone named; "last seen" is the last sighting, not the last check-in.
    expect(await page.locator('#attendance-zone').textContent()).toMatch(/^Times are local: Europe\/Berlin, UTC\+0[12]:00\.$/);
    const paulRow = page.locator(`#rows tr[data-person-id="${paul}"] td`);
    expect((await paulRow.allTextContents()).slice(2, 5)).toEqual([hhmmIn(paulTimes.first), hhmmIn(paulTimes.last), '2']);
    expect(await paulRow.nth(3).getAttribute('title')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]:00$/);
    await saveScreenshot(page, path.join(SHOTS, 'phone-attendance.png'), { fullPage: true });
  });

  it('kiosk: the greeting is below the video, not over it, and the status pill is whole', async () => {
    await page.goto(`${server.url}/kiosk.html?camera=phone`);
    await expect.poll(() => page.locator('#greeting-title').textContent(), { timeout: 60_000 }).toMatch(/Guido van Rossum/);
    const video = (await page.locator('#video').boundingBox())!;
    expect(video.height).toBeGreaterThan(200); // the camera keeps a usable picture
    const greeting = (await page.locator('#greeting').boundingBox())!;
    expect(greeting.y).toBeGreaterThanOrEqual(video.y + video.height - 0.5);
    expect(greeting.width).toBeLessThanOrEqual(PHONE.width);
    const pill = (await page.locator('#status').boundingBox())!;
    expect(pill.x).toBeGreaterThanOrEqual(0);
    expect(pill.x + pill.width).toBeLessThanOrEqual(PHONE.width);
    await expectFits(page, 'kiosk');
    await saveScreenshot(page, path.join(SHOTS, 'phone-kiosk.png'));
    expect(errors.filter((e) => !/WebSocket/.test(e))).toEqual([]);
  });
});
