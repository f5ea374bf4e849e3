// The /ws upgrade under the REST edge's rules. Open mode: a DNS-rebound Host is refused
// (hostAllowed in auth/mode.ts). Keys mode: wrong keys on the upgrade count against the same per-address budget as REST.
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { startTestServer } from '../helpers/server.js';

function upgrade(
  url: string,
  opts: { key?: string; headers?: Record<string, string> } = {},
): Promise<{ status?: number; code?: string; closed?: { code: number; reason: string }; open?: boolean }> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws${opts.key ? `?key=${opts.key}` : ''}`, { headers: opts.headers });
  return new Promise((resolve) => {
    ws.once('open', () => {
      const t = setTimeout(() => (ws.close(), resolve({ open: true })), 300);
      ws.once('close', (code, reason) => (clearTimeout(t), resolve({ closed: { code, reason: reason.toString() } })));
    });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode, code: body ? (JSON.parse(body) as { error: { code: string } }).error.code : undefined }));
    });
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
    expect(await upgrade(open.url, { headers: { Host: `evil.example:${port}`, Origin: `http://evil.example:${port}` } })).toEqual({
      status: 403,
      code: 'host_not_allowed',
    });
    expect(await upgrade(open.url, { headers: { Host: `localhost:${port}`, Origin: `http://localhost:${port}` } })).toEqual({ open: true });
  });

  it('counts wrong keys on the upgrade against the address, shared with REST', async () => {
    for (let i = 0; i < 2; i++)
      expect((await upgrade(keys.url, { key: `fsk_wrong${i}` })).closed).toMatchObject({ code: 4003, reason: expect.stringMatching(/unknown or revoked/) });
    // Spent: "try again later" with the wait, not 4003 (after which a client stops for good): the next key from this
    // address may be right, a camera behind the same NAT as a misconfigured one.
    const spent = await upgrade(keys.url, { key: 'fsk_wrong3' });
    expect(spent.closed?.code).toBe(1013);
    expect(spent.closed?.reason ?? '').toMatch(/too many wrong API keys from this address; retry in \d+ s/);
    const rest = await fetch(`${keys.url}/api/v1/people`, { headers: { 'X-API-Key': 'fsk_wrong4' } });
    expect(rest.status).toBe(429);
  });
});
