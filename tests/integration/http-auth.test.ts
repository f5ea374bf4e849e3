// Auth in keys mode: every endpoint of the OpenAPI document against every role (exactly what it should, no more),
// key creation and revocation, rate limits, the same keys and origin rules on the WebSocket, and the web app's sign-in
// cookie (HttpOnly, SameSite=Strict, honoured only from this server's own pages).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Role } from '../../src/server/auth/keys.js';
import type { RunningServer } from '../../src/server/server.js';
import { CLOSE_CODES, PROTOCOL_VERSION } from '../../src/shared/protocol.js';
import { api, errorCode } from '../helpers/http.js';
import { describeEachDatabase, startTestServer } from '../helpers/server.js';

const RANK: Record<Role | 'none', number> = { none: -1, viewer: 0, operator: 1, admin: 2 };

type Doc = { paths: Record<string, Record<string, { 'x-role'?: Role }>> };

/**
 * Connects to /ws, says hello, and resolves with the outcome: the socket once the server answered `welcome`, the refused
 * HTTP status, or the close code when the server accepts the upgrade only to close it (how a missing key is told to a
 * browser).
 */
function connect(
  url: string,
  opts: { key?: string; origin?: string; cookie?: string } = {},
): Promise<{ ws?: WebSocket; status?: number; closed?: { code: number; reason: string } }> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws${opts.key ? `?key=${encodeURIComponent(opts.key)}` : ''}`, {
    ...(opts.origin ? { origin: opts.origin } : {}),
    ...(opts.cookie ? { headers: { Cookie: opts.cookie } } : {}),
  });
  return new Promise((resolve) => {
    // Admitted means welcomed: silence proves nothing (a slow refusal looks the same), a welcome does.
    ws.once('open', () => ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, camera: 'test' })));
    const onMessage = (data: WebSocket.RawData) => {
      if ((JSON.parse(String(data)) as { type: string }).type !== 'welcome') return;
      ws.off('message', onMessage);
      resolve({ ws });
    };
    ws.on('message', onMessage);
    ws.once('close', (code, reason) => resolve({ closed: { code, reason: reason.toString() } }));
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode }));
    ws.once('error', () => resolve({ status: -1 }));
  });
}

function nextMessage(ws: WebSocket, type: string): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const on = (data: WebSocket.RawData) => {
      const m = JSON.parse(String(data));
      if (m.type === type) {
        ws.off('message', on);
        resolve(m);
      }
    };
    ws.on('message', on);
  });
}

describeEachDatabase('auth on $name', (target) => {
  let server: RunningServer;
  const keys: Partial<Record<Role, string>> = {};

  beforeAll(async () => {
    server = await startTestServer({ ...(await target.freshEnv()), AUTH_MODE: 'keys', RATE_LIMIT_PER_MINUTE: '100000' });
    // What `npm run keys -- create` does: the first admin key straight into the database.
    keys.admin = (await server.store.keys.create('first admin', 'admin')).key;
  });
  afterAll(async () => {
    await server?.close();
  });

  it('lets an admin create keys over REST, shown once and stored hashed', async () => {
    const admin = api(server, keys.admin);
    for (const role of ['operator', 'viewer'] as const) {
      const res = await admin.json('POST', '/api/v1/keys', { name: `${role} key`, role });
      expect(res.status).toBe(201);
      const body = (await res.json()) as { key: string; role: string; prefix: string };
      expect(body.key).toMatch(/^fsk_/);
      expect(body.key.startsWith(body.prefix)).toBe(true);
      keys[role] = body.key;
    }
    const list = (await (await admin.get('/api/v1/keys')).json()) as { items: Record<string, unknown>[] };
    expect(list.items).toHaveLength(3);
    expect(JSON.stringify(list)).not.toContain(keys.operator);
    expect(list.items.every((k) => !('key' in k) && !('keyHash' in k))).toBe(true);
  });

  it('gives every endpoint exactly its role: 401 without a key, 403 below the role, through above it', async () => {
    const doc = (await (await server.app.request('/api/openapi.json')).json()) as Doc;
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, role: op['x-role'] })));
    const secured = routes.filter((r) => r.role);
    expect(secured.length).toBeGreaterThanOrEqual(20);
    // Only health, readiness, signing a browser in and out (it checks the key it is given) and the docs are public.
    expect(
      routes
        .filter((r) => !r.role)
        .map((r) => `${r.method} ${r.path}`)
        .sort(),
    ).toEqual(['delete /api/v1/session', 'get /health', 'get /ready', 'post /api/v1/session']);
    const table: string[] = [];
    for (const r of secured) {
      const path = r.path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
      for (const who of ['none', 'viewer', 'operator', 'admin'] as const) {
        const headers: Record<string, string> = who === 'none' ? {} : { 'X-API-Key': keys[who]! };
        const res = await server.app.request(path, { method: r.method.toUpperCase(), headers });
        const expected = who === 'none' ? 401 : RANK[who] < RANK[r.role!] ? 403 : 'allowed';
        const got = res.status === 401 || res.status === 403 ? res.status : 'allowed';
        if (got !== expected) table.push(`${r.method} ${r.path} as ${who}: expected ${expected}, got ${res.status}`);
        if (typeof expected === 'number') expect(await errorCode(res)).toBe(expected === 401 ? 'unauthenticated' : 'forbidden');
      }
    }
    expect(table).toEqual([]);
  });

  it('refuses unknown and revoked keys; accepts Bearer and X-API-Key', async () => {
    expect((await api(server, 'fsk_nope').get('/api/v1/people')).status).toBe(401);
    expect((await api(server, keys.viewer).get('/api/v1/people')).status).toBe(200);
    const admin = api(server, keys.admin);
    const temp = (await (await admin.json('POST', '/api/v1/keys', { name: 'temp', role: 'viewer' })).json()) as { id: string; key: string };
    expect((await server.app.request('/api/v1/people', { headers: { 'X-API-Key': temp.key } })).status).toBe(200);
    expect((await admin.del(`/api/v1/keys/${temp.id}`)).status).toBe(204);
    const after = await server.app.request('/api/v1/people', { headers: { 'X-API-Key': temp.key } });
    expect([after.status, await errorCode(after)]).toEqual([401, 'unauthenticated']);
    expect((await admin.del(`/api/v1/keys/${temp.id}`)).status).toBe(404);
  });

  it('operators manage people; viewers only read them', async () => {
    const viewer = api(server, keys.viewer);
    const operator = api(server, keys.operator);
    const denied = await viewer.json('POST', '/api/v1/people', { name: 'Viewer Made' });
    expect([denied.status, await errorCode(denied)]).toEqual([403, 'forbidden']);
    const made = await operator.json('POST', '/api/v1/people', { name: 'Operator Made' });
    expect(made.status).toBe(201);
    const id = ((await made.json()) as { id: string }).id;
    expect((await viewer.get(`/api/v1/people/${id}`)).status).toBe(200);
    expect((await viewer.del(`/api/v1/people/${id}`)).status).toBe(403);
    expect((await operator.del(`/api/v1/people/${id}`)).status).toBe(204);
    expect((await operator.json('POST', '/api/v1/keys', { name: 'x', role: 'admin' })).status).toBe(403);
    expect((await server.store.listPeople()).map((p) => p.name)).toEqual([]);
  });

  it('checks keys and origins on the WebSocket; enrolment needs an operator', async () => {
    for (const key of [undefined, 'fsk_wrong']) {
      const { closed } = await connect(server.url, key ? { key } : {});
      expect(closed?.code).toBe(CLOSE_CODES.forbidden);
      expect(closed?.reason).toMatch(/^API key required/);
    }
    expect((await connect(server.url, { key: keys.viewer, origin: 'https://evil.example' })).status).toBe(403);

    const viewer = (await connect(server.url, { key: keys.viewer, origin: server.url })).ws!;
    // Refused with an error, not a close: the viewer keeps its live view (tests/integration/ws-auth.test.ts has more).
    const refused = nextMessage(viewer, 'error');
    viewer.send(JSON.stringify({ type: 'enrol.start', name: 'Sneaky' }));
    expect(await refused).toMatchObject({ code: 'forbidden' });
    viewer.close();

    const operator = (await connect(server.url, { key: keys.operator })).ws!;
    const started = nextMessage(operator, 'enrol.started');
    operator.send(JSON.stringify({ type: 'enrol.start', name: 'Allowed' }));
    expect(await started).toMatchObject({ name: 'Allowed' });
    operator.close();
  });
  it("signs a browser in with an HttpOnly cookie that only this server's own pages and sockets may use, and signs it out", async () => {
    const signIn = (key: string, headers: Record<string, string> = {}) =>
      server.app.request('/api/v1/session', { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify({ key }) });
    const whoami = (headers: Record<string, string>) => server.app.request('/api/v1/whoami', { headers });

    const wrong = await signIn('fsk_wrong');
    expect([wrong.status, await errorCode(wrong), wrong.headers.get('set-cookie')]).toEqual([401, 'unauthenticated', null]);
    const viewer = (await server.store.keys.create('hall tablet', 'viewer')).key;
    const ok = await signIn(viewer);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ name: 'hall tablet', role: 'viewer', mode: 'keys' });
    const setCookie = ok.headers.get('set-cookie')!;
    const attributes = setCookie.split(';').map((a) => a.trim());
    expect(attributes).toEqual(expect.arrayContaining([`facestream_key=${viewer}`, 'HttpOnly', 'SameSite=Strict', 'Path=/', 'Max-Age=31536000']));
    expect(attributes).not.toContain('Secure'); // plain http here; over TLS the cookie is Secure:
    const overTls = await server.app.request('https://localhost/api/v1/session', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ key: viewer }),
    });
    expect(
      overTls.headers
        .get('set-cookie')!
        .split(';')
        .map((a) => a.trim()),
    ).toContain('Secure');
    const cookie = attributes[0]!;

    // The cookie is the key for a request from this server's own page (or no browser at all)...
    expect(await (await whoami({ Cookie: cookie })).json()).toMatchObject({ name: 'hall tablet', role: 'viewer' });
    expect((await whoami({ Cookie: cookie, Host: 'localhost', Origin: 'http://localhost', 'Sec-Fetch-Site': 'same-origin' })).status).toBe(200);
    // ...never for another site's page, even one that could reach us.
    expect((await whoami({ Cookie: cookie, Host: 'localhost', Origin: 'https://evil.example' })).status).toBe(401);
    expect((await whoami({ Cookie: cookie, 'Sec-Fetch-Site': 'cross-site' })).status).toBe(401);
    // A key sent with the request wins over the cookie, and the cookie's role is the key's.
    expect(await (await whoami({ Cookie: cookie, 'X-API-Key': keys.admin! })).json()).toMatchObject({ role: 'admin' });
    expect((await server.app.request('/api/v1/keys', { headers: { Cookie: cookie } })).status).toBe(403);
    // Another site's page cannot sign the browser in as its own key (login CSRF).
    expect((await signIn(viewer, { Host: 'localhost', Origin: 'https://evil.example' })).status).toBe(403);

    // The socket of this server's own page carries the cookie; another origin's does not get in with it.
    const own = await connect(server.url, { cookie, origin: server.url });
    expect(own.ws).toBeDefined();
    own.ws!.close();
    expect((await connect(server.url, { cookie, origin: 'https://evil.example' })).status).toBe(403);

    // Signing out clears the cookie; a revoked key's cookie is refused.
    const out = await server.app.request('/api/v1/session', { method: 'DELETE' });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^facestream_key=; Max-Age=0; Path=\//);
    const { id } = (await server.store.keys.list()).find((k) => k.name === 'hall tablet')!;
    await server.store.keys.revoke(id);
    expect((await whoami({ Cookie: cookie })).status).toBe(401);
  });
});

describe('rate limits and open mode', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startTestServer({ AUTH_MODE: 'keys', RATE_LIMIT_PER_MINUTE: '3' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers 429 with Retry-After once a key used its budget, other keys unaffected', async () => {
    const repo = server.store.keys;
    const a = api(server, (await repo.create('a', 'viewer')).key);
    const b = api(server, (await repo.create('b', 'viewer')).key);
    for (let i = 0; i < 3; i++) expect((await a.get('/api/v1/people')).status).toBe(200);
    const limited = await a.get('/api/v1/people');
    expect([limited.status, await errorCode(limited)]).toEqual([429, 'rate_limited']);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await b.get('/api/v1/people')).status).toBe(200);
  });

  it('is open without keys only when asked (default on loopback)', async () => {
    const open = await startTestServer({});
    try {
      expect((await open.app.request('/api/v1/keys')).status).toBe(200);
      expect((await connect(open.url)).ws).toBeDefined();
      expect(await (await open.app.request('/health')).json()).toMatchObject({ auth: 'open' });
    } finally {
      await open.close();
    }
  });
});
