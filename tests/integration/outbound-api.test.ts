// REST for events out, in process on a real server: webhook and MQTT settings are checked, secrets and passwords are
// never returned after they are set, disabling gives up what waits, and the OpenAPI document describes it all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { api, errorCode } from '../helpers/http.js';
import { startTestServer } from '../helpers/server.js';
import { until } from '../helpers/webhook-receiver.js';

describe('events out over REST', () => {
  let server: RunningServer;
  let http: ReturnType<typeof api>;
  beforeAll(async () => {
    server = await startTestServer({ OUTBOX_RETRY_BASE_MS: '60000', OUTBOX_POLL_MS: '100' });
    http = api(server);
  }, 180_000);
  afterAll(() => server?.close());

  it('refuses bad webhook settings with a clear error', async () => {
    const bad = [
      { name: 'x', url: 'ftp://example.com/' },
      { name: 'x', url: 'not a url' },
      { name: 'x', url: 'https://example.com/', secret: 'short' },
      { name: 'x', url: 'https://example.com/', eventTypes: ['everything'] },
      { name: 'x', url: 'https://example.com/', eventTypes: [] },
      { name: '', url: 'https://example.com/' },
      { name: 'x', url: 'https://example.com/', extra: 1 },
    ];
    for (const body of bad) {
      const res = await http.json('POST', '/api/v1/webhooks', body);
      expect([res.status, await errorCode(res)], JSON.stringify(body)).toEqual([400, 'validation_failed']);
    }
  });

  it('shows a secret once, then only its end; a password in the URL never', async () => {
    const res = await http.json('POST', '/api/v1/webhooks', { name: 'Chat', url: 'https://bot:hunter2@example.com/hook' });
    expect(res.status).toBe(201);
    const made = (await res.json()) as { id: string; secret: string; secretHint: string; url: string; eventTypes: string[] };
    expect(made.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(made.secretHint).toBe(`…${made.secret.slice(-4)}`);
    expect(made.url).toBe('https://bot:***@example.com/hook');
    expect(made.eventTypes).toEqual(['checkin', 'recognition', 'unknown', 'presentation_attack', 'camera.down']);
    const listed = await (await http.get('/api/v1/webhooks')).text();
    expect(listed).not.toContain(made.secret);
    expect(listed).not.toContain('hunter2');
    const rotated = (await (await http.json('PATCH', `/api/v1/webhooks/${made.id}`, { rotateSecret: true })).json()) as { secret: string };
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(made.secret);
    const renamed = (await (await http.json('PATCH', `/api/v1/webhooks/${made.id}`, { name: 'Chat bot' })).json()) as Record<string, unknown>;
    expect(renamed).not.toHaveProperty('secret');
    expect((await http.del(`/api/v1/webhooks/${made.id}`)).status).toBe(204);
    expect((await http.del(`/api/v1/webhooks/${made.id}`)).status).toBe(404);
  });

  it('gives up the waiting deliveries of a webhook that is disabled, and refuses to test it', async () => {
    // Port 9 (discard) on loopback refuses connections: the delivery fails and waits a minute (OUTBOX_RETRY_BASE_MS).
    const made = (await (await http.json('POST', '/api/v1/webhooks', { name: 'Down', url: 'http://127.0.0.1:9/', eventTypes: ['test'] })).json()) as {
      id: string;
    };
    expect((await http.raw('POST', `/api/v1/webhooks/${made.id}/test`)).status).toBe(202);
    type D = { items: { state: string; attempts: number; lastError: string | null }[] };
    const deliveries = async () => ((await (await http.get(`/api/v1/webhooks/${made.id}/deliveries`)).json()) as D).items;
    await until(async () => (await deliveries())[0]?.attempts === 1, 10_000, 'a failed attempt');
    expect((await deliveries())[0]).toMatchObject({ state: 'pending' });
    expect((await http.json('PATCH', `/api/v1/webhooks/${made.id}`, { enabled: false })).status).toBe(200);
    expect((await deliveries())[0]).toMatchObject({ state: 'failed', lastError: 'webhook disabled' });
    const test = await http.raw('POST', `/api/v1/webhooks/${made.id}/test`);
    expect([test.status, await errorCode(test)]).toEqual([400, 'bad_request']);
  });

  it('keeps the MQTT password to itself and moves credentials out of the URL', async () => {
    const bad = await http.json('PUT', '/api/v1/mqtt', { enabled: true, url: 'http://broker:1883' });
    expect([bad.status, await errorCode(bad)]).toEqual([400, 'validation_failed']);
    const wild = await http.json('PUT', '/api/v1/mqtt', { enabled: false, url: 'mqtt://broker:1883', topicPrefix: 'a/#' });
    expect(wild.status).toBe(400);
    const res = await http.json('PUT', '/api/v1/mqtt', { enabled: false, url: 'mqtt://ha:s3cret-pw@broker.lan:1883' });
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).not.toContain('s3cret-pw');
    expect(JSON.parse(body)).toMatchObject({ enabled: false, url: 'mqtt://broker.lan:1883', username: 'ha', hasPassword: true, topicPrefix: 'facestream' });
    // Saved again without a password: the stored one is kept.
    const again = (await (await http.json('PUT', '/api/v1/mqtt', { enabled: false, url: 'mqtt://broker.lan:1883' })).json()) as { hasPassword: boolean };
    expect(again.hasPassword).toBe(true);
    expect(await (await http.get('/api/v1/mqtt')).text()).not.toContain('s3cret-pw');
    const test = await http.raw('POST', '/api/v1/mqtt/test');
    expect([test.status, await errorCode(test)]).toEqual([400, 'bad_request']);
  });

  it('describes webhooks and MQTT in the OpenAPI document', async () => {
    const doc = (await (await server.app.request('/api/openapi.json')).json()) as {
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    };
    for (const p of [
      '/api/v1/webhooks',
      '/api/v1/webhooks/{id}',
      '/api/v1/webhooks/{id}/deliveries',
      '/api/v1/webhooks/{id}/test',
      '/api/v1/mqtt',
      '/api/v1/mqtt/test',
    ])
      expect(doc.paths).toHaveProperty([p]);
    expect(doc.components.schemas).toHaveProperty('Webhook');
    expect(doc.components.schemas).toHaveProperty('Delivery');
  });
});
