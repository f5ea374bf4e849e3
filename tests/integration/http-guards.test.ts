// Issue 8 regressions at the REST edge: open mode reachable from other web pages (CSRF, DNS rebinding, CORS), control
// characters in text fields, person names that differ only in case or spacing, and unlimited failed key guesses.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { api, errorCode } from '../helpers/http.js';
import { describeEachDatabase, startTestServer } from '../helpers/server.js';

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  body: JSON.stringify(body),
  headers: { 'Content-Type': 'application/json', ...headers },
});

/** A raw HTTP/1.1 request, so the Host header is exactly what a browser on a rebound name would send. */
function rawRequest(
  url: string,
  opts: { method?: string; path: string; headers: Record<string, string>; body?: string },
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('open mode is reachable only from this machine and its own pages', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startTestServer({ ALLOWED_ORIGINS: 'https://console.example' });
  });
  afterAll(async () => {
    await server?.close();
  });
  const names = async () => (await server.store.listPeople()).map((p) => p.name);

  it('refuses a state-changing request from another site, keeps scripts and its own pages working', async () => {
    const refused: [string, RequestInit][] = [
      ['foreign Origin', json({ name: 'Csrf Victim' }, { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' })],
      ['opaque Origin', json({ name: 'Csrf Victim' }, { Origin: 'null' })],
      ['cross-site fetch metadata', json({ name: 'Csrf Victim' }, { 'Sec-Fetch-Site': 'cross-site' })],
      ['same-site other port', json({ name: 'Csrf Victim' }, { 'Sec-Fetch-Site': 'same-site' })],
      ['foreign Referer', json({ name: 'Csrf Victim' }, { Referer: 'https://evil.example/attack.html' })],
    ];
    for (const [why, init] of refused) {
      const res = await server.app.request('/api/v1/people', init);
      expect([why, res.status, await errorCode(res)]).toEqual([why, 403, 'cross_origin']);
    }
    expect(await names()).toEqual([]);

    const own = new URL(server.url).host;
    const allowed: [string, RequestInit][] = [
      ['curl (no Origin)', json({ name: 'From Curl' })],
      ['its own page', json({ name: 'From Page' }, { Host: own, Origin: server.url, 'Sec-Fetch-Site': 'same-origin' })],
      ['a listed origin', json({ name: 'From Console' }, { Origin: 'https://console.example', 'Sec-Fetch-Site': 'cross-site' })],
      ['its own Referer', json({ name: 'From Referer' }, { Host: own, Referer: `${server.url}/enrol.html` })],
    ];
    for (const [why, init] of allowed) expect([why, (await server.app.request('/api/v1/people', init)).status]).toEqual([why, 201]);

    // A DELETE is state-changing too; a cross-site GET is answered (the browser keeps it from the page: no CORS header).
    const id = ((await (await server.app.request('/api/v1/people?q=From%20Curl')).json()) as { items: { id: string }[] }).items[0]!.id;
    const del = await server.app.request(`/api/v1/people/${id}`, { method: 'DELETE', headers: { Origin: 'https://evil.example' } });
    expect([del.status, await errorCode(del)]).toEqual([403, 'cross_origin']);
    const read = await server.app.request('/api/v1/people', { headers: { Origin: 'https://evil.example' } });
    expect(read.status).toBe(200);
    expect(read.headers.get('access-control-allow-origin')).toBeNull();
    expect((await names()).sort()).toEqual(['From Console', 'From Curl', 'From Page', 'From Referer']);
  });

  it('refuses a DNS-rebound Host: the gallery export is not readable from evil.example', async () => {
    const rebound = { Host: 'evil.example:8090', Origin: 'http://evil.example:8090' };
    const res = await server.app.request('http://evil.example:8090/api/v1/gallery/export', { headers: rebound });
    expect([res.status, await errorCode(res)]).toEqual([403, 'host_not_allowed']);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    for (const host of ['evil.example', '127.0.0.1.evil.example:80', 'localhost.evil.example', '0.0.0.0:8090', '10.0.0.5:8090', 'evil.example@127.0.0.1', '']) {
      const r = await server.app.request('/api/v1/people', { headers: { Host: host } });
      expect([host, r.status]).toEqual([host, 403]);
    }
    for (const host of ['localhost', 'localhost:8090', 'LOCALHOST:1', '127.0.0.1', '127.5.6.7:80', '[::1]', '[::1]:8090']) {
      expect([host, (await server.app.request('/api/v1/people', { headers: { Host: host } })).status]).toEqual([host, 200]);
    }
    // The pages too: a rebound page must not even load.
    expect((await server.app.request('/', { headers: { Host: 'evil.example' } })).status).toBe(403);
  });

  it('refuses a rebound Host over real HTTP, with no CORS header for the foreign origin', async () => {
    const rebound = await rawRequest(server.url, {
      path: '/api/v1/gallery/export',
      headers: { Host: 'evil.example:8090', Origin: 'http://evil.example:8090' },
    });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body).error.code).toBe('host_not_allowed');
    expect(rebound.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await rawRequest(server.url, {
      method: 'OPTIONS',
      path: '/api/v1/people',
      headers: {
        Host: new URL(server.url).host,
        Origin: 'https://evil.example',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type',
      },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const listed = await rawRequest(server.url, {
      method: 'OPTIONS',
      path: '/api/v1/people',
      headers: { Host: new URL(server.url).host, Origin: 'https://console.example', 'Access-Control-Request-Method': 'POST' },
    });
    expect(listed.headers['access-control-allow-origin']).toBe('https://console.example');
    const local = await rawRequest(server.url, { path: '/api/v1/people', headers: { Host: new URL(server.url).host } });
    expect(local.status).toBe(200);
  });
});

describeEachDatabase('text fields and person names on $name', (target) => {
  let server: RunningServer;
  let rest: ReturnType<typeof api>;
  beforeAll(async () => {
    server = await startTestServer(await target.freshEnv());
    rest = api(server);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('refuses control characters in names, key names and query text with 400, writing nothing', async () => {
    const ada = (await (await rest.json('POST', '/api/v1/people', { name: 'Ada Lovelace' })).json()) as { id: string };
    const cases: [string, Promise<Response>][] = [
      ['NUL in a new name', rest.json('POST', '/api/v1/people', { name: 'Mallory\u0000Admin' })],
      ['newline in a new name', rest.json('POST', '/api/v1/people', { name: 'Two\nLines' })],
      ['escape sequence', rest.json('POST', '/api/v1/people', { name: 'Red \u001b[31m' })],
      ['C1 control', rest.json('POST', '/api/v1/people', { name: 'C1 \u0085 next line' })],
      ['bidi override', rest.json('POST', '/api/v1/people', { name: 'evil \u202egnp.exe' })],
      ['lone surrogate', rest.json('POST', '/api/v1/people', { name: 'broken \ud800' })],
      ['NUL in a rename', rest.json('PATCH', `/api/v1/people/${ada.id}`, { name: 'Ada\u0000' })],
      ['NUL in a key name', rest.json('POST', '/api/v1/keys', { name: 'door\u0000', role: 'viewer' })],
      ['NUL in a search', rest.get('/api/v1/people?q=Ada%00')],
      ['NUL in any query text', rest.get('/api/v1/check-ins?format=json&camera=door%00')],
    ];
    for (const [why, res] of cases) {
      const r = await res;
      expect([why, r.status, await errorCode(r)]).toEqual([why, 400, 'validation_failed']);
    }
    expect((await server.store.listPeople()).map((p) => p.name)).toEqual(['Ada Lovelace']);

    // Every JSON body is checked as JSON, whichever route declares it: a sighting promoted to a NUL name, or with a
    // text/plain body (what a cross-site form can send), was a 500.
    const now = new Date();
    const sighting = await server.store.sightings.insert({
      firstSeenAt: now,
      lastSeenAt: now,
      camera: 'lobby',
      modelId: server.analyzer.modelId,
      embedding: new Float32Array(server.analyzer.dims).fill(0.1),
      crop: null,
      bestScore: null,
      bestPersonId: null,
    });
    const promote = async (init: RequestInit) => server.app.request(`/api/v1/sightings/${sighting}/promote`, { method: 'POST', ...init });
    const promotions: [string, Promise<Response>, number, string][] = [
      ['NUL in the name', promote(json({ name: 'Eve\u0000' })), 400, 'validation_failed'],
      ['text/plain body', promote({ body: '{"name":"Eve"}', headers: { 'Content-Type': 'text/plain' } }), 415, 'unsupported_media_type'],
      ['malformed JSON', promote({ body: '{"name":', headers: { 'Content-Type': 'application/json' } }), 400, 'malformed_json'],
      [
        'NUL in a field its schema leaves free',
        rest.json('POST', '/api/v1/imports/folder', { path: '/tmp', exclude: ['ok', 'a\u0000b'] }),
        400,
        'validation_failed',
      ],
    ];
    for (const [why, res, status, code] of promotions) {
      const r = await res;
      expect([why, r.status, await errorCode(r)]).toEqual([why, status, code]);
    }
    expect((await (await rest.get('/api/v1/sightings')).json()).total).toBe(1);
    expect((await server.store.listPeople()).map((p) => p.name)).toEqual(['Ada Lovelace']);
    // Ordinary Unicode stays welcome.
    expect((await rest.json('POST', '/api/v1/people', { name: 'Zoë Ñandú 李小龍 👩🏽‍🔬' })).status).toBe(201);
  });

  it('treats names differing only in case, Unicode form or spacing as one person', async () => {
    const made = await rest.json('POST', '/api/v1/people', { name: '  Grace\u00a0\u00a0Hopper ' });
    expect(made.status).toBe(201);
    const grace = (await made.json()) as { id: string; name: string };
    expect(grace.name).toBe('Grace Hopper');
    for (const variant of ['grace hopper', 'GRACE HOPPER', 'Grace\u202fHopper', 'Grace \t Hopper'.replace('\t', ' ')]) {
      const r = await rest.json('POST', '/api/v1/people', { name: variant });
      expect([variant, r.status, await errorCode(r)]).toEqual([variant, 409, 'duplicate_name']);
    }
    // NFD "Zoë" (e + combining diaeresis) is the NFC one made above.
    const nfd = 'Zoe\u0308 Ñandú 李小龍 👩🏽‍🔬'.normalize('NFD');
    const dup = await rest.json('POST', '/api/v1/people', { name: nfd.toUpperCase() });
    expect([dup.status, await errorCode(dup)]).toEqual([409, 'duplicate_name']);

    // Renaming into someone else's name in another case is a duplicate; changing one's own case is fine.
    const ada = ((await (await rest.get('/api/v1/people?q=ada')).json()) as { items: { id: string }[] }).items[0]!;
    const clash = await rest.json('PATCH', `/api/v1/people/${ada.id}`, { name: 'grace HOPPER' });
    expect([clash.status, await errorCode(clash)]).toEqual([409, 'duplicate_name']);
    const recase = await rest.json('PATCH', `/api/v1/people/${grace.id}`, { name: 'grace hopper' });
    expect([recase.status, ((await recase.json()) as { name: string }).name]).toEqual([200, 'grace hopper']);

    // Search by a spelling with a non-breaking space finds the person.
    const found = (await (await rest.get(`/api/v1/people?q=${encodeURIComponent('GRACE\u00a0HOP')}`)).json()) as { items: { id: string }[] };
    expect(found.items.map((p) => p.id)).toEqual([grace.id]);
    expect((await server.store.listPeople()).filter((p) => p.name.toLowerCase() === 'grace hopper')).toHaveLength(1);
  });

  it('serializes concurrent creations of one name in different spellings: exactly one person', async () => {
    const spellings = ['Alan Turing', 'alan turing', 'ALAN\u00a0TURING', ' Alan  Turing', 'Alan Turing'.normalize('NFD')];
    const results = await Promise.all(spellings.map((name) => rest.json('POST', '/api/v1/people', { name })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
    expect((await server.store.listPeople()).filter((p) => p.name.toLowerCase() === 'alan turing')).toHaveLength(1);
  });
});

describe('failed key guesses', () => {
  let server: RunningServer;
  let key = '';
  beforeAll(async () => {
    server = await startTestServer({ AUTH_MODE: 'keys', AUTH_FAILURES_PER_MINUTE: '5', RATE_LIMIT_PER_MINUTE: '100000' });
    key = (await server.store.keys.create('good', 'viewer')).key;
  });
  afterAll(async () => {
    await server?.close();
  });
  const from = (address: string) => ({ incoming: { socket: { remoteAddress: address } } });
  const get = (headers: Record<string, string>, address: string) => server.app.request('/api/v1/people', { headers }, from(address));

  it('answers 429 with Retry-After after AUTH_FAILURES_PER_MINUTE wrong keys from one address, others unaffected', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await get({ 'X-API-Key': `fsk_guess${i}` }, '203.0.113.7');
      expect([i, r.status, await errorCode(r)]).toEqual([i, 401, 'unauthenticated']);
    }
    const limited = await get({ 'X-API-Key': 'fsk_guess5' }, '203.0.113.7');
    expect([limited.status, await errorCode(limited)]).toEqual([429, 'rate_limited']);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // While blocked, no key from that address is even looked at: a right guess is not told apart from a wrong one.
    expect((await get({ Authorization: `Bearer ${key}` }, '203.0.113.7')).status).toBe(429);
    // Another address guessing, and a good key elsewhere, are not slowed.
    expect((await get({ 'X-API-Key': 'fsk_other' }, '198.51.100.1')).status).toBe(401);
    expect((await get({ Authorization: `Bearer ${key}` }, '198.51.100.2')).status).toBe(200);
    // Once a key has been accepted it is no guess: it passes even from the blocked address.
    expect((await get({ Authorization: `Bearer ${key}` }, '203.0.113.7')).status).toBe(200);
    expect((await get({ 'X-API-Key': 'fsk_guess6' }, '203.0.113.7')).status).toBe(429);
    // No key at all is not a guess.
    for (let i = 0; i < 10; i++) expect((await get({}, '198.51.100.3')).status).toBe(401);
  });

  it('never counts successful keys', async () => {
    for (let i = 0; i < 50; i++) expect((await get({ Authorization: `Bearer ${key}` }, '192.0.2.9')).status).toBe(200);
    expect((await get({ 'X-API-Key': 'fsk_typo' }, '192.0.2.9')).status).toBe(401);
  });

  it('limits guesses over real HTTP by the peer address, parallel bursts included', async () => {
    const burst = await Promise.all(Array.from({ length: 12 }, (_, i) => fetch(`${server.url}/api/v1/people`, { headers: { 'X-API-Key': `fsk_burst${i}` } })));
    // Each attempt holds its share of the budget while its key is looked up, so a burst cannot outrun the limit.
    const statuses = burst.map((r) => r.status).sort();
    expect(statuses).toEqual([...Array(5).fill(401), ...Array(7).fill(429)]);
    const after = await fetch(`${server.url}/api/v1/people`, { headers: { 'X-API-Key': 'fsk_after' } });
    expect(after.status).toBe(429);
    expect(Number(after.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});
