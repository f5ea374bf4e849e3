// Issue 8 item 7 in Debian's Chromium: an open-mode server on 127.0.0.1 against other web pages. A foreign page's
// no-cors upload (what a cross-site form can send) must not start an import, and a page whose name was rebound to
// 127.0.0.1 (DNS rebinding, played by --host-resolver-rules) must not load nor read the gallery export.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { zipSync } from 'fflate';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { api } from '../helpers/http.js';
import { startTestServer } from '../helpers/server.js';
import { fixture } from '../helpers/ws-client.js';
import { CHROMIUM_PATH } from './harness.js';

/** A page that uploads a zip to `target` the way any web page can: fetch, no-cors, multipart (no preflight). */
const attackPage = (target: string, zipBase64: string) => `<!doctype html><meta charset="utf-8"><title>cute cats</title>
<script>
window.attack = async () => {
  const bytes = Uint8Array.from(atob(${JSON.stringify(zipBase64)}), (c) => c.charCodeAt(0));
  const form = new FormData();
  form.append('file', new Blob([bytes], { type: 'application/zip' }), 'people.zip');
  await fetch(${JSON.stringify(target)} + '/api/v1/imports/zip', { method: 'POST', mode: 'no-cors', body: form });
  return 'sent';
};
</script>`;

describe('other web pages against an open-mode server, in Chromium', () => {
  let server: RunningServer;
  let site: http.Server;
  let sitePort = 0;
  let browser: Browser;

  beforeAll(async () => {
    site = http.createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(attackPage(server.url, Buffer.from(zipSync({ 'Mallory/1.jpg': fixture('Amy/1.jpg') })).toString('base64')));
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    sitePort = (site.address() as AddressInfo).port;
    // friend.example is the one listed origin: the same page from there must get through (the guard, not the browser, refuses).
    server = await startTestServer({ ALLOWED_ORIGINS: `http://friend.example:${sitePort}` });
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--host-resolver-rules=MAP evil.example 127.0.0.1, MAP friend.example 127.0.0.1, MAP rebound.example 127.0.0.1',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await new Promise((r) => site?.close(r));
  });

  const jobs = async () => ((await (await api(server).get('/api/v1/jobs')).json()) as { items: unknown[] }).items.length;

  it('a foreign page cannot start an import; a listed origin can', async () => {
    const page = await browser.newPage();
    await page.goto(`http://evil.example:${sitePort}/`);
    expect(await page.evaluate('window.attack()')).toBe('sent');
    expect(await jobs()).toBe(0);
    await page.goto(`http://friend.example:${sitePort}/`);
    expect(await page.evaluate('window.attack()')).toBe('sent');
    await expect.poll(jobs, { timeout: 5000 }).toBe(1);
    await page.close();
  });

  it('a rebound name gets neither the pages nor the gallery export', async () => {
    const port = new URL(server.url).port;
    const page = await browser.newPage();
    const res = await page.goto(`http://rebound.example:${port}/`);
    expect(res?.status()).toBe(403);
    const exported = await page.goto(`http://rebound.example:${port}/api/v1/gallery/export`);
    expect(exported?.status()).toBe(403);
    expect(JSON.parse((await exported?.text()) ?? '{}')).toMatchObject({ error: { code: 'host_not_allowed' } });
    // The same server by its loopback name serves the page.
    expect((await page.goto(`${server.url}/`))?.status()).toBe(200);
    await page.close();
  });
});
