// The kiosk sign-in page in Debian's Chromium with a fake webcam: today's earlier check-ins are listed on load, and
// the person in front of the camera is checked in, greeted and added to the list live.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { recordCheckIn } from '../../src/server/store/checkins-repo.js';
import { startTestServer, tempDir } from '../helpers/server.js';
import { FIXTURES, TestClient, fixture } from '../helpers/ws-client.js';
import { collectPageErrors, launchChromium, makeSlideshowY4m } from './harness.js';

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
    const y4m = await makeSlideshowY4m([3, 5].map((n) => path.join(FIXTURES, `Guido_van_Rossum/${n}.jpg`)), path.join(dir, 'guido.y4m'), { secondsEach: 2 });
    server = await startTestServer({ DATA_DIR: dir });
    browser = await launchChromium(y4m);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('lists earlier check-ins, then checks in, greets and lists the person at the camera', async () => {
    await enrol(server, 'Guido van Rossum', 'Guido_van_Rossum/1.jpg');
    const paul = await enrol(server, 'Paul Allen', 'Paul_Allen/1.jpg');
    await recordCheckIn(server.store.db, { personId: paul, at: new Date(), score: 0.95, camera: 'side door', cooldownMs: 600_000 });

    const page = await browser.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${server.url}/kiosk.html?camera=lobby`);
    await expect.poll(() => page.locator('#checkins li').allTextContents(), { timeout: 20_000 }).toEqual([expect.stringMatching(/^Paul Allen\d\d:\d\d$/)]);
    await expect.poll(() => page.locator('#greeting').textContent(), { timeout: 60_000 }).toBe('Welcome, Guido van Rossum!');
    const names = await page.locator('#checkins li .name').allTextContents();
    expect(names).toEqual(['Guido van Rossum', 'Paul Allen']);
    expect(await page.locator('#checkin-count').textContent()).toBe('2');
    const rows = await server.checkins!.today();
    expect(rows.checkins.map((c) => [c.name, c.camera])).toEqual([['Paul Allen', 'side door'], ['Guido van Rossum', 'lobby']]);
    expect(await page.locator('#tracks li').first().textContent()).toMatch(/^Guido van Rossum 0\.\d\d #\d+/);
    expect(errors.filter((e) => !/WebSocket/.test(e))).toEqual([]);
    await page.screenshot({ path: fileURLToPath(new URL('../.tmp/kiosk-page.png', import.meta.url)) });
    await page.close();
  });
});
