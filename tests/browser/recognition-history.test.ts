// A person's recent recognitions in Debian's Chromium on a real server: the faces the cameras saw (real photos through
// the real models), "Not them" removes one, "Add to faces" makes one of their faces. Screenshot:
// docs/screenshots/recognitions.png.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chipToJpeg } from '../../src/server/attendance/sightings.js';
import type { RunningServer } from '../../src/server/server.js';
import { api, photo } from '../helpers/http.js';
import { startTestServer } from '../helpers/server.js';
import { fixture } from '../helpers/ws-client.js';
import { CHROMIUM_PATH, collectPageErrors, saveScreenshot } from './harness.js';

const SHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

describe('recent recognitions on the person page', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let guido: string;

  beforeAll(async () => {
    if (!fs.existsSync(new URL('../../public/build/people.js', import.meta.url))) throw new Error('client bundle missing: run `npm run build:client`');
    server = await startTestServer();
    const http = api(server);
    guido = ((await (await http.json('POST', '/api/v1/people', { name: 'Guido van Rossum' })).json()) as { id: string }).id;
    expect((await http.upload(`/api/v1/people/${guido}/faces`, [photo('Guido_van_Rossum/1.jpg')])).status).toBe(200);
    // What the camera path stores for a recognized track: the real embedding and aligned face of a real photo.
    for (const [file, camera, ago] of [
      ['Guido_van_Rossum/2.jpg', 'door', 120_000],
      ['Guido_van_Rossum/3.jpg', 'lobby', 60_000],
    ] as const) {
      const r = await server.analyzer.embedAll(fixture(file), 4_000_000);
      if (!r.ok) throw new Error(r.message);
      const f = r.faces[0]!;
      await server.store.recognitions.insert({
        personId: guido,
        camera,
        seenAt: new Date(Date.now() - ago),
        score: 0.71,
        modelId: server.analyzer.modelId,
        embedding: f.embedding,
        crop: await chipToJpeg(f.chip),
      });
    }
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    page = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
    errors = collectPageErrors(page);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows each recognition with its face, camera and time; "Not them" and "Add to faces" act on it', async () => {
    await page.goto(`${server.url}/people.html?id=${guido}`);
    const items = page.locator('#recognitions li[data-recognition-id]');
    await expect.poll(() => items.count(), { timeout: 15_000 }).toBe(2);
    expect(await items.first().innerText()).toContain('lobby');
    await expect
      .poll(() =>
        items
          .first()
          .locator('img')
          .evaluate((img) => (img as HTMLImageElement).naturalWidth),
      )
      .toBeGreaterThan(0);
    await saveScreenshot(page, `${SHOTS}/recognitions.png`, { fullPage: true });

    // "Not them", then Undo from the toast: the record is back; then "Not them" for good.
    const lobbyId = await items.filter({ hasText: 'lobby' }).getAttribute('data-recognition-id');
    await items.filter({ hasText: 'lobby' }).locator('button.not-them').click();
    await expect.poll(() => items.count()).toBe(1);
    expect(await page.locator('#undo-toast').textContent()).toBe('Not Guido van Rossum: removed.Undo');
    await page.locator('#undo-toast button.undo').click();
    await expect.poll(() => items.count()).toBe(2);
    expect(await page.locator(`#recognitions li[data-recognition-id="${lobbyId}"]`).count()).toBe(1);
    expect(await page.locator('#person-notice').textContent()).toBe('Restored to the recent recognitions.');
    expect(await page.locator('#undo-toast').count()).toBe(0);
    await items.filter({ hasText: 'lobby' }).locator('button.not-them').click();
    await expect.poll(() => items.count()).toBe(1);
    await page.locator('#undo-toast').waitFor();
    expect(await page.locator('#faces li.face').count()).toBe(1);
    await items.first().locator('button.add-recognition').click();
    await expect.poll(() => page.locator('#faces li.face').count()).toBe(2);
    await expect.poll(() => items.count()).toBe(0);
    expect(server.gallery.stats().faces).toBe(2);
    expect(errors).toEqual([]);
  });
});
