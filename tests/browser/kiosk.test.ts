// The door kiosk in Debian's Chromium with a fake webcam: no navigation or debug numbers; today's list has one row a
// person; the person at the camera is checked in and greeted large with their enrolled photo and the time; back inside
// the cooldown they are told "Already checked in at HH:MM"; the list empties at local midnight.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { startTestServer, tempDir } from '../helpers/server.js';
import { FIXTURES, TestClient, fixture } from '../helpers/ws-client.js';
import { collectPageErrors, launchChromium, makeSlideshowY4m, saveScreenshot } from './harness.js';

const hhmm = (d: Date) => `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;

async function enrol(server: RunningServer, name: string, photo: string): Promise<string> {
  const client = await TestClient.connect(server.url);
  client.sendJson({ type: 'enrol.start', name, samples: 1 });
  const done = client.next((m) => m.type === 'enrol.done');
  await client.frame(fixture(photo));
  const id = ((await done) as { personId: string }).personId;
  client.close();
  return id;
}

describe('kiosk page with a fake webcam', () => {
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    if (!fs.existsSync(new URL('../../public/build/kiosk.js', import.meta.url))) {
      throw new Error('client bundle missing: run `npm run build:client` (npm test does it first)');
    }
    const dir = tempDir();
    const y4m = await makeSlideshowY4m(
      [3, 5].map((n) => path.join(FIXTURES, `Guido_van_Rossum/${n}.jpg`)),
      path.join(dir, 'guido.y4m'),
      { secondsEach: 2 },
    );
    server = await startTestServer({ DATA_DIR: dir });
    browser = await launchChromium(y4m);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('greets the person at the camera with photo and time, one row a person, then "already checked in"', async () => {
    await enrol(server, 'Guido van Rossum', 'Guido_van_Rossum/1.jpg');
    const paul = await enrol(server, 'Paul Allen', 'Paul_Allen/1.jpg');
    // Paul came in twice today (two check-ins outside a short cooldown): still one row.
    const now = Date.now();
    for (const ago of [120_000, 60_000])
      await server.store.checkIns.record({ personId: paul, at: new Date(now - ago), score: 0.95, camera: 'side door', cooldownMs: 30_000 });
    expect((await server.checkins!.today()).checkins.filter((c) => c.name === 'Paul Allen')).toHaveLength(2);

    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${server.url}/kiosk.html?camera=lobby`);
    await expect.poll(() => page.locator('#checkins li').allTextContents(), { timeout: 20_000 }).toEqual([`Paul Allen${hhmm(new Date(now - 120_000))}`]);
    // a kiosk shows no navigation, no fps, latency or track ids
    expect(await page.locator('header, nav, #fps, #latency, #tracks').count()).toBe(0);

    await expect.poll(() => page.locator('#greeting-title').textContent(), { timeout: 60_000 }).toBe('Welcome, Guido van Rossum!');
    expect(await page.locator('#greeting').getAttribute('data-kind')).toBe('welcome');
    const checkedIn = (await server.checkins!.today()).checkins.find((c) => c.name === 'Guido van Rossum')!;
    expect(checkedIn.camera).toBe('lobby');
    expect(await page.locator('#greeting-detail').textContent()).toBe(`Checked in at ${hhmm(new Date(checkedIn.at))}`);
    await page.waitForFunction(
      () => {
        const img = document.querySelector<HTMLImageElement>('#greeting-photo');
        return !!img && !img.hidden && img.complete && img.naturalWidth > 0;
      },
      undefined,
      { timeout: 10_000 },
    );
    expect(await page.locator('#checkins li .name').allTextContents()).toEqual(['Guido van Rossum', 'Paul Allen']);
    expect(await page.locator('#checkin-count').textContent()).toBe('2');
    await saveScreenshot(page, fileURLToPath(new URL('../../docs/screenshots/kiosk.png', import.meta.url)));

    // Back at the door within the cooldown: no new check-in, and the kiosk says so.
    const again = await ctx.newPage();
    await again.goto(`${server.url}/kiosk.html?camera=lobby`);
    await expect.poll(() => again.locator('#greeting-detail').textContent(), { timeout: 60_000 }).toBe(`Already checked in at ${hhmm(new Date(checkedIn.at))}`);
    expect(await again.locator('#greeting-title').textContent()).toBe('Hello again, Guido van Rossum');
    expect(await again.locator('#greeting').getAttribute('data-kind')).toBe('already');
    expect((await server.checkins!.today()).checkins.filter((c) => c.name === 'Guido van Rossum')).toHaveLength(1);
    await saveScreenshot(again, fileURLToPath(new URL('../../docs/screenshots/kiosk-already.png', import.meta.url)));
    expect(errors.filter((e) => !/WebSocket/.test(e))).toEqual([]);
    await ctx.close();
  });

  it("empties today's list at local midnight", async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const midnight = new Date();
    midnight.setHours(24, 0, 0, 0);
    await page.clock.install({ time: new Date(midnight.getTime() - 5_000) });
    await page.goto(`${server.url}/kiosk.html?camera=side`);
    await expect.poll(() => page.locator('#checkins li').count(), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await page.locator('#clock').textContent()).toBe('23:59');
    await page.clock.runFor(6_000);
    await expect.poll(() => page.locator('#checkins li').count(), { timeout: 5_000 }).toBe(0);
    expect(await page.locator('#clock').textContent()).toBe('00:00');
    expect(await page.locator('#checkin-count').textContent()).toBe('0');
    await ctx.close();
  });
});
