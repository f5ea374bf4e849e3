// Keys mode in a real browser: a page without a key asks for one; a wrong key is refused and not remembered (from the
// form or from ?key=); a viewer key signs in, sees its role, no Enrol link and no enrolment form; "Sign out" forgets it.
// The key is kept in an HttpOnly cookie: no page script can read it (not in localStorage, not in document.cookie), and
// a key an older page left in localStorage is moved into the cookie and removed.
// Also: with the camera refused, the page says "No camera" instead of a green "Connected" beside a black video.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { startTestServer, tempDir } from '../helpers/server.js';
import { FIXTURES } from '../helpers/ws-client.js';
import { CHROMIUM_PATH, collectPageErrors, launchChromium, makeFakeWebcamY4m, saveScreenshot } from './harness.js';

const SHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
/** The key this browser keeps: the sign-in cookie's value, after checking that no page script can see the key. */
async function storedKey(page: Page): Promise<string | null> {
  const visible = await page.evaluate(() => ({ stored: localStorage.getItem('facestream.key'), cookies: document.cookie }));
  expect(visible).toEqual({ stored: null, cookies: '' });
  const cookie = (await page.context().cookies()).find((c) => c.name === 'facestream_key');
  if (cookie) expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
  return cookie?.value ?? null;
}

describe('signing in with an API key', () => {
  let server: RunningServer;
  let browser: Browser;
  let viewer: string;
  let operator: string;

  beforeAll(async () => {
    if (!fs.existsSync(new URL('../../public/build/people.js', import.meta.url))) throw new Error('client bundle missing: run `npm run build:client`');
    const dir = tempDir();
    const y4m = await makeFakeWebcamY4m(path.join(FIXTURES, 'Guido_van_Rossum/1.jpg'), path.join(dir, 'guido.y4m'));
    server = await startTestServer({ AUTH_MODE: 'keys', DATA_DIR: dir });
    viewer = (await server.store.keys.create('door kiosk', 'viewer')).key;
    operator = (await server.store.keys.create('front desk', 'operator')).key;
    browser = await launchChromium(y4m);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('asks for a key, refuses and forgets a wrong one, signs a viewer in and hides what a viewer may not do', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1100, height: 700 } });
    const page = await ctx.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${server.url}/people.html`);
    await page.locator('#signin-form').waitFor({ timeout: 10_000 });
    expect(await page.locator('#library').isVisible()).toBe(false);
    await saveScreenshot(page, path.join(SHOTS, 'signin.png'));

    await page.locator('#signin-key').fill('fsk_not_a_key');
    await page.locator('#signin-form button').click();
    await expect.poll(() => page.locator('#signin-error').textContent()).toMatch(/refused/);
    expect(await storedKey(page)).toBeNull();

    await page.locator('#signin-key').fill(viewer);
    await page.locator('#signin-form button').click();
    await page.locator('#library').waitFor({ timeout: 10_000 });
    expect(await page.locator('#whoami').textContent()).toBe('viewer · door kiosk');
    expect(await page.locator('header nav a').allTextContents()).toEqual([
      'Live',
      'People',
      'Unknown faces',
      'Attendance',
      'Kiosk',
      'Cameras',
      'Wall',
      'Status',
    ]);
    expect(await page.locator('#create-person').isVisible()).toBe(false);
    expect(await storedKey(page)).toBe(viewer);

    // the enrolment page: no form for a viewer, but the camera view still works with the remembered key
    await page.goto(`${server.url}/enrol.html`);
    await page.locator('#enrol-forbidden').waitFor({ timeout: 10_000 });
    expect(await page.locator('#enrol-form').isVisible()).toBe(false);
    await page.locator('#tracks li').first().waitFor({ timeout: 30_000 });
    expect(await page.locator('#status').getAttribute('data-state')).toBe('open');

    await page.locator('#signout').click();
    await page.locator('#signin-form').waitFor({ timeout: 10_000 });
    expect(await storedKey(page)).toBeNull();
    expect(errors.filter((e) => !/WebSocket|401/.test(e))).toEqual([]);
    await ctx.close();
  });

  it('moves a key an older page left in localStorage into the cookie, and removes it from storage', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(`${server.url}/status.html`);
    await page.locator('#signin-form').waitFor({ timeout: 10_000 });
    await page.evaluate((key) => localStorage.setItem('facestream.key', key), operator);
    await page.goto(`${server.url}/people.html`);
    await page.locator('#library').waitFor({ timeout: 10_000 });
    expect(await page.locator('#whoami').textContent()).toBe('operator · front desk');
    expect(await storedKey(page)).toBe(operator);
    await ctx.close();
  });

  it('a wrong ?key= is refused and does not replace or linger: the next page asks again', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(`${server.url}/?key=fsk_wrong`);
    await expect.poll(() => page.locator('#signin-error').textContent(), { timeout: 10_000 }).toMatch(/refused/);
    expect(page.url()).not.toContain('key='); // taken off the address bar
    expect(await storedKey(page)).toBeNull();
    await page.goto(`${server.url}/`);
    await page.locator('#signin-form').waitFor({ timeout: 10_000 });
    expect(await page.locator('#signin-error').isVisible()).toBe(false);

    // a good ?key= is kept and the operator sees the enrolment form
    await page.goto(`${server.url}/enrol.html?key=${operator}`);
    await page.locator('#enrol-form').waitFor({ timeout: 10_000 });
    expect(await page.locator('#whoami').textContent()).toBe('operator · front desk');
    expect(await page.locator('#enrol-forbidden').isVisible()).toBe(false);
    expect(await storedKey(page)).toBe(operator);
    await ctx.close();
  });

  it('with the camera refused the page says so instead of "Connected"', async () => {
    const denied = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: ['--no-sandbox', '--disable-gpu', '--use-fake-device-for-media-stream', '--deny-permission-prompts'],
    });
    try {
      const page = await denied.newPage();
      await page.goto(`${server.url}/?key=${viewer}`);
      await expect.poll(() => page.locator('#status').textContent(), { timeout: 15_000 }).toBe('No camera');
      expect(await page.locator('#status').getAttribute('data-state')).toBe('closed');
      expect(await page.locator('#error').textContent()).toMatch(/Camera/);
    } finally {
      await denied.close();
    }
  });
});
