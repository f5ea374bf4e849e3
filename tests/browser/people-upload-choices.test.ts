// The People page in Debian's Chromium on a real server: a photo refused by a soft gate is added with "Use anyway"
// (the face then says so), a group photo offers its faces and the one clicked is enrolled, and a look-alike is shown
// beside the person it matched until the operator confirms it is someone else.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { api, photo } from '../helpers/http.js';
import { startTestServer, tempDir } from '../helpers/server.js';
import { FIXTURES, fixture } from '../helpers/ws-client.js';
import { collectPageErrors, launchChromium, makeFakeWebcamY4m } from './harness.js';

describe('People page: choices on refused uploads', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let dir: string;

  beforeAll(async () => {
    if (!fs.existsSync(new URL('../../public/build/people.js', import.meta.url))) throw new Error('client bundle missing: run `npm run build:client`');
    dir = tempDir();
    server = await startTestServer({ DATA_DIR: dir });
    // No camera on this page; the harness wants a fake webcam all the same.
    browser = await launchChromium(await makeFakeWebcamY4m(path.join(FIXTURES, 'Amy/1.jpg'), path.join(dir, 'cam.y4m')));
    page = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
    errors = collectPageErrors(page);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const openPerson = async (name: string) => {
    await page.goto(`${server.url}/people.html`);
    await page.locator('#new-name').fill(name);
    await page.locator('#create-person button').click();
    await page.locator('#person-name').filter({ hasText: name }).waitFor({ timeout: 10_000 });
  };
  const lastResult = () => page.locator('#upload-results li').last();
  const statusOf = async () => [await lastResult().getAttribute('data-status'), await lastResult().getAttribute('data-code')];

  it('"Use anyway" adds a view a soft gate refused, and the face says it was overruled', async () => {
    // A small face in a large frame: too small at the default ENROL_MIN_FACE_PX.
    const small = path.join(dir, 'small.jpg');
    await sharp(fixture('Lin-Manuel_Miranda/1.jpg'))
      .resize(90)
      .extend({ top: 180, bottom: 180, left: 260, right: 260, background: { r: 90, g: 90, b: 90 } })
      .jpeg({ quality: 90 })
      .toFile(small);
    await openPerson('Lin-Manuel Miranda');
    await page.locator('#upload').setInputFiles([small]);
    await expect.poll(statusOf, { timeout: 60_000 }).toEqual(['rejected', 'too_small']);
    expect(await lastResult().textContent()).toMatch(/needs \d+ px, ENROL_MIN_FACE_PX/);
    await lastResult().locator('button.use-anyway').click();
    await expect.poll(statusOf, { timeout: 60_000 }).toEqual(['accepted', null]);
    expect(await lastResult().textContent()).toMatch(/added anyway.*overruled: face too small/);
    await expect.poll(() => page.locator('#faces li.face').count(), { timeout: 10_000 }).toBe(1);
    expect(await page.locator('#faces li.face .overridden').textContent()).toBe('used anyway: too_small');
  });

  it('a group photo offers its faces; the one clicked is enrolled', async () => {
    await openPerson('Left Person');
    await page.locator('#upload').setInputFiles([path.join(FIXTURES, '_group/two_people.jpg')]);
    await expect.poll(statusOf, { timeout: 60_000 }).toEqual(['rejected', 'multiple_faces']);
    const picks = lastResult().locator('button.pick-face');
    expect(await picks.count()).toBe(2);
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('.pick-face img')].every((i) => i.complete && i.naturalWidth > 0));
    await page.screenshot({ path: path.join(dir, 'pick-face.png') });
    await picks.nth(0).click();
    await expect.poll(statusOf, { timeout: 60_000 }).toEqual(['accepted', null]);
    await expect.poll(() => page.locator('#faces li.face').count(), { timeout: 10_000 }).toBe(1);
  });

  it('a look-alike is shown beside the person it matched, and added only when confirmed', async () => {
    const http = api(server);
    const guido = (await (await http.json('POST', '/api/v1/people', { name: 'Guido van Rossum' })).json()) as { id: string };
    await http.upload(`/api/v1/people/${guido.id}/faces`, [photo('Guido_van_Rossum/1.jpg')]);
    await openPerson('Someone Else');
    await page.locator('#upload').setInputFiles([path.join(FIXTURES, 'Guido_van_Rossum/2.jpg')]);
    await expect.poll(statusOf, { timeout: 60_000 }).toEqual(['rejected', 'duplicate_person']);
    const compare = lastResult().locator('.duplicate-compare');
    expect(await compare.locator('figcaption').allTextContents()).toEqual(['this photo', expect.stringMatching(/^Guido van Rossum \(similarity 0\.\d\d\)$/)]);
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('.duplicate-compare img')].every((i) => i.complete && i.naturalWidth > 0));
    expect(await compare.locator('img').count()).toBe(2);
    await compare.locator('button.allow-duplicate').click();
    await expect.poll(statusOf, { timeout: 60_000 }).toEqual(['accepted', null]);
    expect(errors).toEqual([]);
  });
});
