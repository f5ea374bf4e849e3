// The real browser path: Debian's Chromium with a fake webcam streams to a real server; enrolment on the page works
// and the live page labels the face with the enrolled name.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { startTestServer, tempDir } from '../helpers/server.js';
import { FIXTURES } from '../helpers/ws-client.js';
import { collectPageErrors, launchChromium, makeSlideshowY4m } from './harness.js';

describe('browser pages with a fake webcam', () => {
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    if (!fs.existsSync(new URL('../../public/build/live.js', import.meta.url))) {
      throw new Error('client bundle missing: run `npm run build:client` (npm test does it first)');
    }
    const dir = tempDir();
    const y4m = await makeSlideshowY4m(
      [1, 2, 3, 4].map((n) => path.join(FIXTURES, `Guido_van_Rossum/${n}.jpg`)),
      path.join(dir, 'guido.y4m'),
      { secondsEach: 1.5 },
    );
    // The fake camera plays photos padded with grey bars: the presentation-attack stage rightly refuses some of them as
    // photos (tests/integration/enrolment-gates.test.ts covers that); this suite is about the pages' flow.
    server = await startTestServer({ DATA_DIR: dir, ENROL_SAMPLES: '3', ENROL_REQUIRE_LIVE: 'false' });
    browser = await launchChromium(y4m);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('streams frames and shows overlays, fps and latency on the live page', async () => {
    const page = await browser.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${server.url}/`);
    await page.locator('#tracks li').first().waitFor({ timeout: 30_000 });
    await expect.poll(async () => page.locator('#tracks li').first().textContent(), { timeout: 20_000 }).toMatch(/^unknown #\d+$/);
    expect(await page.locator('#tracks li').first().getAttribute('title')).toMatch(/gallery may be empty|closest enrolled/);
    await expect.poll(() => page.locator('#gallery').textContent(), { timeout: 10_000 }).toBe('No one enrolled yet');
    await expect.poll(async () => Number.parseFloat((await page.locator('#fps').textContent()) ?? ''), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await page.locator('#latency').textContent()).toMatch(/\d+\s*ms/);
    expect(errors.filter((e) => !/WebSocket/.test(e))).toEqual([]);
    await page.close();
  });

  it('enrols the person in front of the camera and the live page then shows their name', async () => {
    const live = await browser.newPage();
    await live.goto(`${server.url}/`);
    const enrol = await browser.newPage();
    await enrol.goto(`${server.url}/enrol.html`);
    await expect.poll(() => enrol.locator('#enrol-start').isEnabled(), { timeout: 20_000 }).toBe(true);
    await enrol.locator('#name').fill('Guido van Rossum');
    await enrol.locator('#enrol-start').click();
    await expect.poll(() => enrol.locator('#enrol-result').textContent(), { timeout: 60_000 }).toBe('Enrolled Guido van Rossum (3 views)');
    expect(await server.store.listPeople()).toMatchObject([{ name: 'Guido van Rossum', faces: 3 }]);
    // the panel is back to idle: no pose prompts or progress left from the finished enrolment
    expect(await enrol.locator('#enrol-poses li').count()).toBe(0);
    expect(await enrol.locator('#enrol-prompt').textContent()).toBe('');
    expect(await enrol.locator('#enrol-progress').textContent()).toBe('0 / 0');
    // the preview is a mirror, so turning left looks like turning left
    expect(await enrol.locator('#video').evaluate((v) => getComputedStyle(v).transform)).toBe('matrix(-1, 0, 0, 1, 0, 0)');
    // the other open page, already streaming, switches to the name without a reload
    await expect
      .poll(async () => (await live.locator('#tracks li').allTextContents()).join('|'), { timeout: 20_000 })
      .toMatch(/^Guido van Rossum [01]\.\d\d #\d+/);
    // the gallery size is on the page, and unknown faces show no bare score
    expect(await live.locator('#gallery').textContent()).toBe('1 person, 3 faces enrolled');
    // kept for a person to look at: tests/.tmp is gitignored (docs/screenshots/ come from operator-pages.test.ts's still camera)
    await live.screenshot({ path: fileURLToPath(new URL('../.tmp/live-page.png', import.meta.url)) });
  });

  it('connects with an API key given in the page URL (#key=, or an old ?key= link) and no request URL carries it', { timeout: 180_000 }, async () => {
    const locked = await startTestServer({ AUTH_MODE: 'keys' });
    try {
      const { key } = await locked.store.keys.create('kiosk browser', 'viewer');
      const page = await browser.newPage();
      const errors = collectPageErrors(page);
      // Every URL the browser asks for, the socket's included: none may carry the key (logs and proxies keep URLs).
      const urls: string[] = [];
      page.on('request', (r) => urls.push(r.url()));
      page.on('websocket', (ws) => urls.push(ws.url()));
      await page.goto(`${locked.url}/#key=${key}`);
      await page.locator('#tracks li').first().waitFor({ timeout: 60_000 });
      expect(page.url()).toBe(`${locked.url}/`);
      expect(urls.some((u) => u.endsWith('/ws'))).toBe(true);
      expect(urls.filter((u) => u.includes(key))).toEqual([]);
      // the key is remembered: the same page without it in the URL still connects
      await page.goto(`${locked.url}/`);
      await page.locator('#tracks li').first().waitFor({ timeout: 60_000 });
      // An old ?key= link still works: the server moves the key into the fragment before the page loads.
      urls.length = 0;
      const old = await browser.newContext();
      const oldPage = await old.newPage();
      oldPage.on('request', (r) => urls.push(r.url()));
      oldPage.on('websocket', (ws) => urls.push(ws.url()));
      await oldPage.goto(`${locked.url}/?key=${key}`);
      await oldPage.locator('#tracks li').first().waitFor({ timeout: 60_000 });
      expect(oldPage.url()).toBe(`${locked.url}/`);
      expect(urls.filter((u) => u.includes(key))).toEqual([`${locked.url}/?key=${key}`]);
      await old.close();
      // No Content-Security-Policy refusal or other error on the way.
      expect(errors).toEqual([]);
      // a page with a wrong key gets no overlays
      const stranger = await browser.newContext();
      const other = await stranger.newPage();
      await other.goto(`${locked.url}/#key=fsk_wrong`);
      await other.waitForTimeout(3000);
      expect(await other.locator('#tracks li').count()).toBe(0);
      expect(await other.locator('#status').getAttribute('data-state')).not.toBe('open');
      await stranger.close();
    } finally {
      await locked.close();
    }
  });
});
