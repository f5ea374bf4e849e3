// https and wss on the one port: `npm run cert` makes a self-signed pair for a LAN address, the server started with
// TLS_CERT/TLS_KEY serves the pages over https, and Chromium streams its camera over wss and gets overlays back.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { loadTls } from '../../src/server/tls.js';
import { startTestServer, tempDir } from '../helpers/server.js';
import { FIXTURES } from '../helpers/ws-client.js';
import { collectPageErrors, launchChromium, makeFakeWebcamY4m } from './harness.js';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../scripts/make-cert.mjs', import.meta.url));

describe('https with a generated certificate', () => {
  let dir: string;
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    dir = tempDir();
    const { stdout } = await run(process.execPath, [SCRIPT, '--host', '192.168.1.20', '--host', 'door-pc.lan', '--out', path.join(dir, 'tls')]);
    expect(stdout).toMatch(/for 192\.168\.1\.20, door-pc\.lan, localhost, 127\.0\.0\.1/);
    const y4m = await makeFakeWebcamY4m(path.join(FIXTURES, 'Paul_Allen/1.jpg'), path.join(dir, 'paul.y4m'));
    server = await startTestServer({ DATA_DIR: dir, TLS_CERT: path.join(dir, 'tls/cert.pem'), TLS_KEY: path.join(dir, 'tls/key.pem') });
    browser = await launchChromium(y4m, ['--ignore-certificate-errors']);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('names the LAN address in the certificate and serves the live page over https with the camera on wss', async () => {
    const { stdout: text } = await run('openssl', ['x509', '-in', path.join(dir, 'tls/cert.pem'), '-noout', '-ext', 'subjectAltName']);
    expect(text).toMatch(/IP Address:192\.168\.1\.20, DNS:door-pc\.lan, DNS:localhost, IP Address:127\.0\.0\.1/);
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);

    const page = await browser.newPage();
    const errors = collectPageErrors(page);
    const sockets: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    await page.goto(`${server.url}/`);
    expect(await page.evaluate(() => window.isSecureContext)).toBe(true);
    await expect.poll(() => page.locator('#tracks li').first().textContent(), { timeout: 30_000 }).toMatch(/^unknown #\d+$/);
    expect(await page.locator('#status').textContent()).toBe('Connected');
    expect(sockets).toEqual([`${server.url.replace('https:', 'wss:')}/ws`]);
    expect(errors.filter((e) => !/WebSocket/.test(e))).toEqual([]);
    // plain http on the same port is not served
    await expect(fetch(server.url.replace('https:', 'http:') + '/health')).rejects.toThrow();
  });

  it('refuses half a TLS setting or an unreadable file with a clear message', () => {
    expect(() => loadTls({ TLS_CERT: path.join(dir, 'tls/cert.pem'), TLS_KEY: undefined })).toThrow(/both TLS_CERT and TLS_KEY; only TLS_CERT is set/);
    expect(() => loadTls({ TLS_CERT: path.join(dir, 'missing.pem'), TLS_KEY: path.join(dir, 'tls/key.pem') })).toThrow(
      /TLS_CERT: cannot read .*ENOENT.*npm run cert/,
    );
    expect(() => loadTls({ TLS_CERT: path.join(dir, 'tls/key.pem'), TLS_KEY: path.join(dir, 'tls/key.pem') })).toThrow(/not a PEM certificate/);
    expect(loadTls({ TLS_CERT: undefined, TLS_KEY: undefined })).toBeNull();
    expect(fs.statSync(path.join(dir, 'tls/key.pem')).mode & 0o077).toBe(0); // the key is private to its owner
  });
});
