// The /ws upgrade under the REST edge's rules. Open mode: a DNS-rebound Host is refused
// (hostAllowed in auth/mode.ts). Keys mode: wrong keys on the upgrade count against the same per-address budget as REST.
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { startTestServer } from '../helpers/server.js';

function upgrade(
  url: string,
  opts: { key?: string; headers?: Record<string, string> } = {},
): Promise<{ status?: number; closed?: { code: number; reason: string }; open?: boolean }> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws${opts.key ? `?key=${opts.key}` : ''}`, { headers: opts.headers });
  return new Promise((resolve) => {
    ws.once('open', () => {
      const t = setTimeout(() => (ws.close(), resolve({ open: true })), 300);
      ws.once('close', (code, reason) => (clearTimeout(t), resolve({ closed: { code, reason: reason.toString() } })));
    });
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode }));
    ws.once('error', () => resolve({ status: -1 }));
  });
}

describe('the WebSocket upgrade', () => {
  let open: RunningServer;
  let keys: RunningServer;
  beforeAll(async () => {
    open = await startTestServer({});
    keys = await startTestServer({ AUTH_MODE: 'keys', AUTH_FAILURES_PER_MINUTE: '2' });
  });
  afterAll(async () => {
    await open?.close();
    await keys?.close();
  });

  it('refuses a rebound Host in open mode, takes loopback names', async () => {
    const port = new URL(open.url).port;
    expect(await upgrade(open.url, { headers: { Host: `evil.example:${port}`, Origin: `http://evil.example:${port}` } })).toEqual({ status: 403 });
    expect(await upgrade(open.url, { headers: { Host: `localhost:${port}`, Origin: `http://localhost:${port}` } })).toEqual({ open: true });
  });

  it('counts wrong keys on the upgrade against the address, shared with REST', async () => {
    for (let i = 0; i < 2; i++) expect((await upgrade(keys.url, { key: `fsk_wrong${i}` })).closed?.reason).toMatch(/unknown or revoked/);
    expect((await upgrade(keys.url, { key: 'fsk_wrong3' })).closed?.reason ?? '').toMatch(/too many wrong API keys/);
    const rest = await fetch(`${keys.url}/api/v1/people`, { headers: { 'X-API-Key': 'fsk_wrong4' } });
    expect(rest.status).toBe(429);
  });
});
