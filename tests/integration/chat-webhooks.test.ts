// Chat messages out (webhook `format`), on a real server with the real models: a known face on a camera socket becomes
// one line in each chat format, posted in the body each service documents (Slack and Discord incoming webhooks,
// Telegram's sendMessage, ntfy's JSON publishing), and an unknown face the same line with its photo where the service
// takes one (Telegram's sendPhoto, a Discord file), to a local receiver standing in for the services (this machine
// cannot reach them). Also: URLs that cannot carry their format are refused, chat tokens are hidden, and a user and
// password in any webhook URL travel as Basic authentication (fetch() refuses them in the URL).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { api, errorCode, photo } from '../helpers/http.js';
import { startTestServer } from '../helpers/server.js';
import { startReceiver, until, type Receiver, type ReceivedFile } from '../helpers/webhook-receiver.js';
import { TestClient, fixture } from '../helpers/ws-client.js';

type Made = { id: string; url: string; format: string; eventTypes: string[] };

describe('chat messages out', () => {
  let server: RunningServer;
  let receiver: Receiver;
  let http: ReturnType<typeof api>;
  const hooks: Record<string, Made> = {};

  beforeAll(async () => {
    receiver = await startReceiver(() => '');
    server = await startTestServer({ OUTBOX_POLL_MS: '100', UNKNOWN_SIGHTING_AFTER_MS: '300' });
    http = api(server);
    const base = `http://127.0.0.1:${receiver.port}`;
    const urls: Record<string, string> = {
      slack: `${base}/services/T000/B000/slacktoken123`,
      discord: `${base}/api/webhooks/4242/discordtoken456`,
      telegram: `${base}/bot123456:TELEGRAMtoken/sendMessage?chat_id=-100777`,
      ntfy: `http://door:pa55word@127.0.0.1:${receiver.port}/ntfy/front-door`,
    };
    for (const [format, url] of Object.entries(urls)) {
      const res = await http.json('POST', '/api/v1/webhooks', { name: format, url, format });
      expect(res.status, format).toBe(201);
      hooks[format] = (await res.json()) as Made;
    }
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
  });

  const at = (path: string) => receiver.received.filter((r) => r.path.startsWith(path));

  it('keeps chat tokens out of what it shows, and subscribes a chat to the events a person wants to read', () => {
    expect(hooks.slack!.url).toBe(`http://127.0.0.1:${receiver.port}/services/T000/B000/***`);
    expect(hooks.discord!.url).toBe(`http://127.0.0.1:${receiver.port}/api/webhooks/4242/***`);
    expect(hooks.telegram!.url).toBe(`http://127.0.0.1:${receiver.port}/bot***/sendMessage?chat_id=-100777`);
    expect(hooks.ntfy!.url).toBe(`http://door:***@127.0.0.1:${receiver.port}/ntfy/front-door`);
    for (const h of Object.values(hooks)) expect(h.eventTypes).toEqual(['checkin', 'unknown', 'presentation_attack', 'camera.down', 'camera.up']);
  });

  it('refuses a URL that cannot carry its format', async () => {
    const bad = [
      { name: 'x', format: 'telegram', url: 'https://api.telegram.org/bot1:abc/sendMessage' },
      { name: 'x', format: 'telegram', url: 'https://example.com/hook?chat_id=1' },
      { name: 'x', format: 'ntfy', url: 'https://ntfy.sh/' },
      { name: 'x', format: 'teams', url: 'https://example.com/hook' },
      { name: 'x', format: 'slack', url: 'https://example.com/hook', cameras: [] },
      { name: 'x', format: 'slack', url: 'https://example.com/hook', cameras: [''] },
    ];
    for (const body of bad) {
      const res = await http.json('POST', '/api/v1/webhooks', body);
      expect([res.status, await errorCode(res)], JSON.stringify(body)).toEqual([400, 'validation_failed']);
    }
    // A change of format alone is checked against the stored URL.
    const json = (await (await http.json('POST', '/api/v1/webhooks', { name: 'plain', url: 'https://example.com/hook', eventTypes: ['test'] })).json()) as Made;
    expect(json.format).toBe('json');
    const moved = await http.json('PATCH', `/api/v1/webhooks/${json.id}`, { format: 'telegram' });
    expect([moved.status, await errorCode(moved)]).toEqual([400, 'validation_failed']);
    expect((await http.del(`/api/v1/webhooks/${json.id}`)).status).toBe(204);
  });

  it('posts a check-in from a live camera to every chat, in each service’s own body', async () => {
    // A chat for one camera only (the yard's), which the gate's events must not reach.
    const yardOnly = await http.json('POST', '/api/v1/webhooks', {
      name: 'yard only',
      format: 'slack',
      url: `http://127.0.0.1:${receiver.port}/yard/T/B/tok`,
      cameras: ['yard', 'yard'],
    });
    expect(yardOnly.status).toBe(201);
    expect(((await yardOnly.json()) as { cameras: string[] }).cameras).toEqual(['yard']);
    const guido = ((await (await http.json('POST', '/api/v1/people', { name: 'Guido van Rossum' })).json()) as { id: string }).id;
    expect((await http.upload(`/api/v1/people/${guido}/faces`, [photo('Guido_van_Rossum/1.jpg'), photo('Guido_van_Rossum/3.jpg')])).status).toBe(200);
    const cam = await TestClient.connect(server.url, { camera: 'gate' });
    for (let i = 0; i < 12; i++) await cam.frame(fixture('Guido_van_Rossum/2.jpg'));
    const checkedIn = (path: string) => at(path).filter((r) => r.type === 'checkin');
    await until(
      () => ['/services/', '/api/webhooks/', '/bot', '/ntfy/'].every((p) => checkedIn(p).length === 1),
      20_000,
      () => `a check-in in every chat (got ${receiver.received.map((r) => `${r.path} ${r.type}`).join('; ')})`,
    );
    cam.close();
    const line = /^Guido van Rossum checked in at gate at \d\d:\d\d\.$/;
    const slack = checkedIn('/services/')[0]!;
    expect(slack.path).toBe('/services/T000/B000/slacktoken123');
    expect(slack.contentType).toBe('application/json');
    expect(Object.keys(slack.body)).toEqual(['text']);
    expect(slack.body.text).toMatch(line);
    const discord = checkedIn('/api/webhooks/')[0]!;
    expect(discord.body).toEqual({ content: expect.stringMatching(line), allowed_mentions: { parse: [] } });
    const telegram = checkedIn('/bot')[0]!;
    expect(telegram.path).toBe('/bot123456:TELEGRAMtoken/sendMessage?chat_id=-100777');
    expect(telegram.body).toEqual({ chat_id: '-100777', text: expect.stringMatching(line), disable_web_page_preview: true });
    const ntfy = checkedIn('/ntfy/')[0]!;
    expect(ntfy.path).toBe('/ntfy/'); // JSON publishing goes to the server's root, the topic in the body
    expect(ntfy.body).toEqual({ topic: 'front-door', title: 'Facestream', message: expect.stringMatching(line), tags: ['white_check_mark'] });
    expect(ntfy.authorization).toBe(`Basic ${Buffer.from('door:pa55word').toString('base64')}`);
    // The camera's first frame was a `camera.up`, which chats get too: one line each.
    expect(
      at('/services/')
        .filter((r) => r.type === 'camera.up')
        .map((r) => r.body.text),
    ).toEqual([expect.stringMatching(/^Camera gate is sending frames again/)]);
    // No recognition lines: a chat webhook is not subscribed to them.
    expect(receiver.received.filter((r) => r.type === 'recognition')).toEqual([]);
  });

  it('posts an unknown face with its photo to Telegram and Discord, and the line alone where a photo cannot go', async () => {
    const cam = await TestClient.connect(server.url, { camera: 'yard' });
    for (let i = 0; i < 40 && (await server.store.sightings.count()) === 0; i++) await cam.frame(fixture('Paul_Allen/1.jpg'));
    cam.close();
    const unknown = (path: string) => at(path).filter((r) => r.type === 'unknown');
    await until(
      () => ['/services/', '/api/webhooks/', '/bot', '/ntfy/'].every((p) => unknown(p).length === 1),
      20_000,
      () => `an unknown face in every chat (got ${receiver.received.map((r) => `${r.path} ${r.type}`).join('; ')})`,
    );
    const [sighting] = (await (await http.get('/api/v1/sightings')).json()).items as { id: string }[];
    const crop = new Uint8Array(await (await http.get(`/api/v1/sightings/${sighting!.id}/crop`)).arrayBuffer());
    const line = /^An unknown face was seen at yard at \d\d:\d\d\.$/;
    const telegram = unknown('/bot')[0]!;
    expect(telegram.path).toBe('/bot123456:TELEGRAMtoken/sendPhoto?chat_id=-100777');
    expect(telegram.contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(telegram.body).toMatchObject({ chat_id: '-100777', caption: expect.stringMatching(line) });
    const photo = telegram.body.photo as ReceivedFile;
    expect([photo.filename, photo.type]).toEqual(['face.jpg', 'image/jpeg']);
    expect(Buffer.from(photo.bytes).equals(Buffer.from(crop))).toBe(true);
    const discord = unknown('/api/webhooks/')[0]!;
    expect(JSON.parse(discord.body.payload_json as string)).toEqual({ content: expect.stringMatching(line), allowed_mentions: { parse: [] } });
    expect(Buffer.from((discord.body['files[0]'] as ReceivedFile).bytes).equals(Buffer.from(crop))).toBe(true);
    expect(unknown('/services/')[0]!.body).toEqual({ text: expect.stringMatching(line) });
    expect(unknown('/ntfy/')[0]!.body).toMatchObject({ topic: 'front-door', message: expect.stringMatching(line) });
    // The yard's own chat got the yard's events, and none of the gate's (its check-in, its camera.up).
    expect(at('/yard/').map((r) => r.type)).toEqual(['camera.up', 'unknown']);
  });

  it("sends today's attendance summary so far to a chat on request", async () => {
    const before = at('/services/').length;
    const res = await http.raw('POST', `/api/v1/webhooks/${hooks.slack!.id}/summary`);
    expect(res.status).toBe(202);
    await until(() => at('/services/').length === before + 1, 10_000, 'the summary');
    const got = at('/services/').at(-1)!;
    expect(got.type).toBe('attendance.summary');
    // Guido van Rossum, the one person enrolled, checked in at the gate above.
    expect(got.body.text).toMatch(/^Attendance on \d{4}-\d\d-\d\d at \d\d:\d\d: all 1 checked in\.$/);
    expect((await http.raw('POST', '/api/v1/webhooks/00000000-0000-4000-8000-000000000000/summary')).status).toBe(404);
  });

  it('sends a test message, and a JSON webhook with a password in its URL is delivered with Basic authentication', async () => {
    const before = receiver.received.length;
    expect((await http.raw('POST', `/api/v1/webhooks/${hooks.telegram!.id}/test`)).status).toBe(202);
    const plain = (await (
      await http.json('POST', '/api/v1/webhooks', { name: 'lock', url: `http://lock:open-sesame@127.0.0.1:${receiver.port}/lock`, eventTypes: ['test'] })
    ).json()) as Made;
    expect((await http.raw('POST', `/api/v1/webhooks/${plain.id}/test`)).status).toBe(202);
    await until(() => receiver.received.length >= before + 2, 10_000, 'both test events');
    const test = receiver.received.slice(before);
    expect(test.find((r) => r.path.startsWith('/bot'))!.body.text).toMatch(
      /^Facestream test message: A test event sent by .+\. Times in these messages are .+\.$/,
    );
    const lock = test.find((r) => r.path === '/lock')!;
    expect(lock.authorization).toBe(`Basic ${Buffer.from('lock:open-sesame').toString('base64')}`);
    expect(lock.body).toMatchObject({ type: 'test', camera: 'test' });
    const deliveries = (await (await http.get(`/api/v1/webhooks/${plain.id}/deliveries`)).json()) as { items: { state: string }[] };
    expect(deliveries.items.map((d) => d.state)).toEqual(['delivered']);
  });
});
