// The Integrations page in Debian's Chromium on a real server: add a webhook (its secret shown once), send a test event
// to a real receiver that checks the signature with that secret, then set up MQTT against a real mosquitto and send a
// test event there. Screenshot: docs/screenshots/integrations.png.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/server.js';
import { mosquittoMissing, startMosquitto, type Broker } from '../helpers/mosquitto.js';
import { startTestServer } from '../helpers/server.js';
import { startReceiver, until, type Receiver } from '../helpers/webhook-receiver.js';
import { CHROMIUM_PATH, collectPageErrors, saveScreenshot } from './harness.js';

const SHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const missing = mosquittoMissing();
if (missing) console.warn(`Integrations page: the MQTT part is skipped: ${missing}`);

describe('integrations page', () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let receiver: Receiver;
  let secret = '';

  beforeAll(async () => {
    if (!fs.existsSync(new URL('../../public/build/integrations.js', import.meta.url))) throw new Error('client bundle missing: run `npm run build:client`');
    receiver = await startReceiver(() => secret);
    server = await startTestServer({ OUTBOX_POLL_MS: '100' });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    page = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
    errors = collectPageErrors(page);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await receiver?.close();
  });

  it('adds a webhook, shows its secret once, and a test event reaches the receiver signed with it', async () => {
    await page.goto(`${server.url}/integrations.html`);
    await page.fill('#webhook-name', 'Door lock');
    await page.fill('#webhook-url', receiver.url);
    await page.uncheck('#webhook-types input[value="recognition"]');
    await page.click('#webhook-add');
    const notice = page.locator('#integrations-notice');
    await notice.waitFor({ state: 'visible' });
    secret = /shown only now: (\S+)/.exec((await notice.textContent()) ?? '')![1]!;
    expect(secret).toMatch(/^whsec_/);
    const row = page.locator('#webhooks tbody tr', { hasText: 'Door lock' });
    await expect.poll(() => row.locator('td').nth(2).textContent()).toBe('checkin, unknown, presentation_attack, camera.down');
    // The list never shows the secret again.
    expect(await page.locator('#webhooks').innerText()).not.toContain(secret);
    await row.locator('button.test').click();
    await until(() => receiver.received.length === 1, 15_000, 'the test event');
    expect(receiver.received[0]).toMatchObject({ type: 'test', signatureOk: true });
    await expect.poll(() => row.locator('td').nth(3).textContent(), { timeout: 10_000 }).toBe('1');
    await row.getByRole('button', { name: 'Deliveries' }).click();
    await expect.poll(() => page.locator('#deliveries-table tbody tr').first().getAttribute('data-state')).toBe('delivered');
  });

  it('adds a Telegram chat for two cameras: no secret asked, chat events ticked, the bot token hidden, a test message in its format', async () => {
    await page.selectOption('#webhook-format', 'telegram');
    expect(await page.locator('#webhook-secret-label').isHidden()).toBe(true);
    expect(await page.locator('#webhook-format-help').textContent()).toContain('@BotFather');
    const ticked = await page.locator('#webhook-types input:checked').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
    expect(ticked).toEqual(['checkin', 'unknown', 'presentation_attack', 'camera.down', 'camera.up']);
    await page.fill('#webhook-name', 'Office chat');
    await page.fill('#webhook-url', `http://127.0.0.1:${receiver.port}/bot42:SECRETTOKEN/sendMessage?chat_id=-1001`);
    await page.fill('#webhook-cameras', ' Front door ,Gate, ');
    await page.click('#webhook-add');
    const row = page.locator('#webhooks tbody tr', { hasText: 'Office chat' });
    await expect
      .poll(() => row.locator('td').nth(2).textContent())
      .toBe('checkin, unknown, presentation_attack, camera.down, camera.up (only Front door, Gate)');
    await expect.poll(() => row.locator('td').nth(1).textContent()).toBe(`Telegram: http://127.0.0.1:${receiver.port}/bot***/sendMessage?chat_id=-1001`);
    expect(await page.locator('#webhooks').innerText()).not.toContain('SECRETTOKEN');
    // The form is back to JSON for the next one.
    expect(await page.locator('#webhook-format').inputValue()).toBe('json');
    const before = receiver.received.length;
    await row.locator('button.test').click();
    await until(() => receiver.received.length === before + 1, 15_000, 'the Telegram test message');
    expect(receiver.received.at(-1)!.body).toEqual({
      chat_id: '-1001',
      text: expect.stringMatching(/^Facestream test message: /),
      disable_web_page_preview: true,
    });
  });

  it('changes a chat in place: its cameras and events, the URL kept when none is typed', async () => {
    const row = page.locator('#webhooks tbody tr', { hasText: 'Office chat' });
    const urlBefore = await row.locator('td').nth(1).textContent();
    await row.getByRole('button', { name: 'Edit' }).click();
    expect(await page.locator('#webhook-form-title').textContent()).toBe('Change Office chat');
    expect(await page.locator('#webhook-format').isDisabled()).toBe(true);
    expect(await page.locator('#webhook-cameras').inputValue()).toBe('Front door, Gate');
    await page.fill('#webhook-cameras', 'Gate');
    await page.uncheck('#webhook-types input[value="camera.up"]');
    await page.check('#webhook-types input[value="attendance.summary"]');
    await page.click('#webhook-add');
    await expect.poll(() => row.locator('td').nth(2).textContent()).toBe('checkin, unknown, presentation_attack, camera.down, attendance.summary (only Gate)');
    expect(await row.locator('td').nth(1).textContent()).toBe(urlBefore);
    expect(await page.locator('#webhook-add').textContent()).toBe('Add webhook');
    const hooks = (await (await fetch(`${server.url}/api/v1/webhooks`)).json()) as { items: { id: string; name: string }[] };
    const hook = hooks.items.find((w) => w.name === 'Office chat')!;
    expect(hook).toMatchObject({
      cameras: ['Gate'],
      format: 'telegram',
      eventTypes: ['checkin', 'unknown', 'presentation_attack', 'camera.down', 'attendance.summary'],
    });
    // The stored URL is the one given at first, not the masked one shown.
    expect((await server.store.integrations.getWebhook(hook.id))!.url).toContain('SECRETTOKEN');
    // A chat that takes the daily summary can be sent today's so far, to see what it will look like.
    const before = receiver.received.length;
    await row.getByRole('button', { name: "Send today's summary" }).click();
    await until(() => receiver.received.length === before + 1, 15_000, "today's summary");
    expect(receiver.received.at(-1)!.body.text).toMatch(/^Attendance on \d{4}-\d\d-\d\d at \d\d:\d\d: nobody is enrolled yet\.$/);
  });

  it.skipIf(missing !== null)('connects to an MQTT broker and publishes a test event', async () => {
    const broker: Broker = await startMosquitto();
    const sub: MqttClient = mqtt.connect(broker.url);
    const got: string[] = [];
    try {
      sub.on('message', (topic) => got.push(topic));
      await new Promise<void>((resolve) => sub.once('connect', () => resolve()));
      await sub.subscribeAsync('facestream/#', { qos: 1 });
      await page.check('#mqtt-enabled');
      await page.fill('#mqtt-url', broker.url);
      await page.click('#mqtt-save');
      await expect.poll(() => page.locator('#mqtt-status').getAttribute('data-connected'), { timeout: 15_000 }).toBe('true');
      await page.click('#mqtt-test');
      await until(() => got.includes('facestream/test'), 15_000, 'the MQTT test event');
      expect(got).toContain('facestream/availability');
      await saveScreenshot(page, `${SHOTS}/integrations.png`, { fullPage: true });
    } finally {
      await sub.endAsync(true);
      await server.outbound.mqtt.close();
      await broker.stop();
    }
  });

  it('raised no page errors', () => {
    expect(errors).toEqual([]);
  });
});
