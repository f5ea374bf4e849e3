// Presentation attacks in Debian's Chromium, with a fake webcam playing a phone replay (the MIT test clip shown on a
// made phone screen, tests/fixtures/antispoof/hamilton-replay.mp4): the door kiosk, whose camera requires liveness,
// says "Not live" and checks nobody in; the Security page lists the attempt with its face, camera and the person it
// looked like; the Cameras page shows and changes which cameras require liveness. Screenshots: docs/screenshots/
// kiosk-not-live.png and security.png.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { api, photo } from '../helpers/http.js';
import { startTestServer, tempDir } from '../helpers/server.js';
import { REPLAY_CLIP } from '../helpers/video.js';
import { collectPageErrors, FFMPEG_PATH, launchChromium, saveScreenshot } from './harness.js';

const SHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const NAME = 'Lin-Manuel Miranda';

describe('presentation attacks in the browser', () => {
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    if (!fs.existsSync(new URL('../../public/build/security.js', import.meta.url))) {
      throw new Error('client bundle missing: run `npm run build:client` (npm test does it first)');
    }
    const dir = tempDir();
    // The seconds of the replay in which the whole face is on the made screen, at 15 fps (Chromium loops the file).
    const y4m = path.join(dir, 'replay.y4m');
    execFileSync(FFMPEG_PATH, [
      '-v',
      'error',
      '-y',
      '-ss',
      '3.7',
      '-t',
      '3.4',
      '-i',
      REPLAY_CLIP,
      '-r',
      '15',
      '-pix_fmt',
      'yuv420p',
      '-f',
      'yuv4mpegpipe',
      y4m,
    ]);
    server = await startTestServer({ DATA_DIR: dir });
    const http = api(server);
    const person = ((await (await http.json('POST', '/api/v1/people', { name: NAME })).json()) as { id: string }).id;
    expect((await http.upload(`/api/v1/people/${person}/faces`, [photo('Lin-Manuel_Miranda/1.jpg')])).status).toBe(200);
    expect((await http.json('PUT', '/api/v1/camera-policies', { camera: 'door', requireLive: true })).status).toBe(200);
    browser = await launchChromium(y4m);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('the door kiosk says "Not live" to a phone replay and checks nobody in', { timeout: 120_000 }, async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${server.url}/kiosk.html?camera=door`);
    await expect.poll(() => page.locator('#greeting').getAttribute('data-kind'), { timeout: 60_000 }).toBe('not-live');
    expect(await page.locator('#greeting').isVisible()).toBe(true);
    expect(await page.locator('#greeting-title').textContent()).toBe('Not live');
    expect(await page.locator('#greeting-detail').textContent()).toMatch(/photo or a screen cannot check in/);
    await saveScreenshot(page, path.join(SHOTS, 'kiosk-not-live.png'));
    // Some seconds more of the replay: still nobody welcomed, nobody checked in.
    await page.waitForTimeout(3000);
    expect(await page.locator('#greeting-title').textContent()).not.toMatch(/Welcome|Hello again/);
    expect((await server.checkins!.today()).checkins).toEqual([]);
    expect(await page.locator('#checkin-count').textContent()).toBe('0');
    expect(errors.filter((e) => !/WebSocket/.test(e))).toEqual([]);
    await ctx.close();
  });

  it('the Security page lists the attempt with its face, camera and who it looked like', { timeout: 60_000 }, async () => {
    await expect.poll(async () => (await server.store.securityEvents.list({ limit: 10, offset: 0 })).total, { timeout: 20_000 }).toBeGreaterThan(0);
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${server.url}/security.html`);
    const row = page.locator('#security-rows tr').first();
    await expect.poll(() => row.locator('.camera').textContent(), { timeout: 15_000 }).toBe('door');
    expect(await row.locator('.would-be').textContent()).toContain(NAME);
    expect(await row.locator('.scores').textContent()).toMatch(/^live 0\.\d\d · \d+ of \d+ frames attack$/);
    await page.waitForFunction(
      () => {
        const img = document.querySelector<HTMLImageElement>('#security-rows img');
        return !!img && img.complete && img.naturalWidth === 150;
      },
      undefined,
      { timeout: 10_000 },
    );
    // In the menu for an operator (open mode: admin).
    expect(await page.locator('nav a[href="/security.html"]').getAttribute('aria-current')).toBe('page');
    await saveScreenshot(page, path.join(SHOTS, 'security.png'));
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('the Cameras page shows which cameras require liveness and changes it', { timeout: 60_000 }, async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${server.url}/cameras.html`);
    const door = page.locator('#policy-rows tr[data-policy-camera="door"]');
    await expect.poll(() => door.getAttribute('data-require-live'), { timeout: 15_000 }).toBe('true');
    expect(await door.locator('select').inputValue()).toBe('on');
    // A kiosk in the lobby, named before it ever sent a frame.
    await page.fill('#policy-camera', 'lobby');
    await page.click('#policy-add');
    const lobby = page.locator('#policy-rows tr[data-policy-camera="lobby"]');
    await expect.poll(() => lobby.getAttribute('data-require-live'), { timeout: 10_000 }).toBe('true');
    expect(server.cameraPolicies.requireLive('lobby')).toBe(true);
    // The door back to the server's default (RECOGNITION_REQUIRE_LIVE: off).
    await door.locator('select').selectOption('default');
    await expect.poll(() => door.getAttribute('data-require-live'), { timeout: 10_000 }).toBe('false');
    expect(server.cameraPolicies.requireLive('door')).toBe(false);
    expect(await (await api(server).get('/api/v1/camera-policies')).json()).toMatchObject({
      defaultRequireLive: false,
      items: expect.arrayContaining([
        { camera: 'door', requireLive: false, own: null, kind: 'browser' },
        { camera: 'lobby', requireLive: true, own: true, kind: 'browser' },
      ]),
    });
    expect(errors).toEqual([]);
    await ctx.close();
  });
});
