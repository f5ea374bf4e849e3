// Security headers on every page and API answer, over real HTTP: a Content-Security-Policy that allows this origin
// only (no inline script, no framing), no Referer, nosniff (issue 19). Refusals (401, 404, a bad query) carry them too,
// and the API docs page runs no inline script, so the policy does not break it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { startTestServer, tempDir } from '../helpers/server.js';

describe('security headers', () => {
  let server: RunningServer;
  let key: string;
  beforeAll(async () => {
    server = await startTestServer({ DATA_DIR: tempDir(), AUTH_MODE: 'keys' });
    key = (await server.store.keys.create('headers test', 'admin')).key;
  }, 120_000);
  afterAll(async () => {
    await server?.close();
  });

  const csp = (res: Response) =>
    Object.fromEntries(
      (res.headers.get('content-security-policy') ?? '')
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .filter((d) => d[0])
        .map(([name, ...values]) => [name, values]),
    );

  it('are on every page, file and API answer, refusals included', async () => {
    const auth = { Authorization: `Bearer ${key}` };
    const requests: [string, RequestInit, number][] = [
      ['/', {}, 200],
      ['/kiosk.html', {}, 200],
      ['/enrol.html', {}, 200],
      ['/style.css', {}, 200],
      ['/enrol', { redirect: 'manual' }, 302],
      ['/health', {}, 200],
      ['/api/openapi.json', {}, 200],
      ['/api/docs', {}, 200],
      ['/api/docs/init.js', {}, 200],
      ['/api/v1/people', {}, 401],
      ['/api/v1/people', { headers: auth }, 200],
      ['/api/v1/people?q=%00', { headers: auth }, 400],
      ['/metrics', {}, 401],
      ['/no/such/page', {}, 404],
    ];
    for (const [path, init, status] of requests) {
      const res = await fetch(`${server.url}${path}`, init);
      await res.arrayBuffer();
      const where = `${path} (${res.status})`;
      expect(res.status, where).toBe(status);
      expect(res.headers.get('referrer-policy'), where).toBe('no-referrer');
      expect(res.headers.get('x-content-type-options'), where).toBe('nosniff');
      expect(res.headers.get('x-frame-options'), where).toBe('DENY');
      const policy = csp(res);
      expect(policy['default-src'], where).toEqual(["'self'"]);
      expect(policy['script-src'], where).toEqual(["'self'"]);
      expect(policy['style-src'], where).toEqual(["'self'"]);
      expect(policy['frame-ancestors'], where).toEqual(["'none'"]);
      expect(policy['object-src'], where).toEqual(["'none'"]);
      // The photos behind the key are shown as blob: URLs; the favicon is the empty data: URL.
      expect(policy['img-src'], where).toEqual(["'self'", 'data:', 'blob:']);
      expect(res.headers.get('content-security-policy'), where).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
      // No ALLOWED_ORIGINS: only this server's own pages may read its answers.
      expect(res.headers.get('cross-origin-resource-policy'), where).toBe('same-origin');
      // Never pinned to HTTPS: the server often starts on a self-signed certificate.
      expect(res.headers.get('strict-transport-security'), where).toBeNull();
    }
  });

  it('move a key off a page URL: an old ?key= link is redirected to #key=, which no request carries', async () => {
    const res = await fetch(`${server.url}/kiosk.html?camera=door&key=${key}`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/kiosk.html?camera=door#key=${key}`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    // The API never reads a key from the query: headers only.
    expect((await fetch(`${server.url}/api/v1/people?key=${key}`)).status).toBe(401);
  });

  it('leave no inline script on the pages the policy would block', async () => {
    for (const page of ['/', '/kiosk.html', '/enrol.html', '/people.html', '/attendance.html', '/unknown.html', '/api/docs']) {
      const html = await (await fetch(`${server.url}${page}`)).text();
      const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
      expect(scripts.length, page).toBeGreaterThan(0);
      for (const [, attrs, body] of scripts) {
        expect(attrs, page).toMatch(/\bsrc="\//);
        expect(body!.trim(), page).toBe('');
      }
      expect(html, page).not.toMatch(/\son[a-z]+=|\sstyle=/i);
    }
  });
});
