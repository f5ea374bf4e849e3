// The Cameras page and the wall in Debian's Chromium on a real server: an operator adds an RTSP camera (Debian's
// GStreamer RTSP server on loopback; MJPEG over HTTP from ffmpeg where GStreamer is missing, and the test says so),
// sees it connected, the wall shows its annotated frame with the enrolled person's name, and the status page lists it.
// Screenshots go to docs/screenshots/cameras.png, wall.png and status.png.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { freePort, photoClip, rtspAvailable, serveMjpeg, serveRtsp, type StreamServer } from '../helpers/camera-streams.js';
import { api, photo } from '../helpers/http.js';
import { startTestServer, tempDir } from '../helpers/server.js';
import { FIXTURES } from '../helpers/ws-client.js';
import { collectPageErrors, launchChromium, saveScreenshot, makeFakeWebcamY4m } from './harness.js';

const SHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const rtspMissing = rtspAvailable();

describe(`cameras page and wall (${rtspMissing ? `MJPEG camera: ${rtspMissing}` : 'RTSP camera'})`, () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let stream: StreamServer;

  beforeAll(async () => {
    if (!fs.existsSync(new URL('../../public/build/cameras.js', import.meta.url))) throw new Error('client bundle missing: run `npm run build:client`');
    const dir = tempDir();
    server = await startTestServer({ DATA_DIR: dir, CAMERA_RECONNECT_MIN_MS: '300', CAMERA_RECONNECT_MAX_MS: '2000' });
    const http = api(server);
    const guido = (await (await http.json('POST', '/api/v1/people', { name: 'Guido van Rossum' })).json()) as { id: string };
    await http.upload(`/api/v1/people/${guido.id}/faces`, [photo('Guido_van_Rossum/1.jpg'), photo('Guido_van_Rossum/2.jpg')]);
    const clip = photoClip(dir, ['Guido_van_Rossum/3.jpg', 'Guido_van_Rossum/5.jpg'], 2, 15);
    stream = rtspMissing ? serveMjpeg(clip, await freePort()) : await serveRtsp(clip, await freePort());
    const y4m = await makeFakeWebcamY4m(path.join(FIXTURES, 'Amy/1.jpg'), path.join(dir, 'unused.y4m'), { seconds: 1 });
    browser = await launchChromium(y4m);
    page = await (await browser.newContext({ viewport: { width: 1200, height: 800 } })).newPage();
    errors = collectPageErrors(page);
    page.on('dialog', (d) => void d.accept());
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stream?.stop();
    await server?.close();
  });

  it('adds a camera by URL, shows it connected with its password hidden, and the wall names the person it sees', async () => {
    await page.goto(`${server.url}/cameras.html`);
    await page.locator('#camera-name').fill('Front door');
    await page.locator('#camera-url').fill(stream.url.replace('://', '://door:hunter22@'));
    await page.locator('#camera-fps').fill('5');
    await page.locator('#camera-submit').click();
    const row = page.locator('#camera-rows tr[data-camera-name="Front door"]');
    await row.waitFor({ timeout: 10_000 });
    expect(await row.textContent()).toContain('***@127.0.0.1');
    await row.locator('.pill[data-state="connected"]').waitFor({ timeout: 60_000 });
    await row.locator('.seen-names').filter({ hasText: 'Guido van Rossum' }).waitFor({ timeout: 60_000 });
    expect(await page.content()).not.toContain('hunter22');
    await saveScreenshot(page, path.join(SHOTS, 'cameras.png'), { fullPage: true });

    await page.goto(`${server.url}/wall.html`);
    const tile = page.locator('.wall-tile[data-camera-name="Front door"]');
    await tile.locator('.seen-names').filter({ hasText: 'Guido van Rossum' }).waitFor({ timeout: 30_000 });
    await tile.locator('img:not([hidden])').waitFor({ timeout: 30_000 });
    const size = await tile.locator('img').evaluate((img) => ({ w: (img as HTMLImageElement).naturalWidth, h: (img as HTMLImageElement).naturalHeight }));
    expect(size).toEqual({ w: 640, h: 480 });
    await saveScreenshot(page, path.join(SHOTS, 'wall.png'), { fullPage: true });

    // The status page shows the same camera beside what /health and /metrics know.
    await page.goto(`${server.url}/status.html`);
    await page.locator('#status-cameras li[data-camera-name="Front door"] .pill[data-state="connected"]').waitFor({ timeout: 15_000 });
    const models = await page.locator('#status-models').textContent();
    expect(models).toContain(server.analyzer.modelId);
    expect(await page.locator('#status-operating-point').textContent()).toMatch(/Match threshold\s*0\.\d+/);
    expect(await page.locator('#stranger-rate').textContent()).toMatch(/on clean photos, up to \d+\.\d+% on \w+ faces/);
    expect(await page.locator('#status-gallery').textContent()).toMatch(/People\s*1(?!\d)/);
    await saveScreenshot(page, path.join(SHOTS, 'status.png'), { fullPage: true });
    expect(errors).toEqual([]);
  }, 180_000);

  it('disables, then deletes the camera from the page', async () => {
    await page.goto(`${server.url}/cameras.html`);
    const row = page.locator('#camera-rows tr[data-camera-name="Front door"]');
    await row.locator('button[data-action="toggle"]').click();
    await row.locator('.pill[data-state="disabled"]').waitFor({ timeout: 10_000 });
    await row.locator('button[data-action="delete"]').click();
    await page.locator('#cameras-empty:not([hidden])').waitFor({ timeout: 10_000 });
    expect(await server.store.cameras.list()).toEqual([]);
    expect(errors).toEqual([]);
  }, 60_000);
});
