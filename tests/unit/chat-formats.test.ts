// The chat formats of a webhook: the line each event becomes, the body each service takes, names that cannot ping or
// format anything, URLs checked against their format, tokens hidden, credentials moved out of the URL.
import { describe, expect, it } from 'vitest';
import { clockTime, eventText, formatRequest, formatUrlProblem, maskedUrl, photoOf, photoRequest } from '../../src/server/outbound/chat-formats.js';
import { EVENT_TYPES } from '../../src/server/outbound/event-types.js';
import { splitCredentials } from '../../src/server/outbound/webhook-sender.js';

const AT = '2026-12-07T08:59:30.000Z';
const UTC = 'UTC';
const ada = { id: 'p1', name: 'Ada Lovelace' };

describe('eventText', () => {
  it('says what happened, where and when, for every event type', () => {
    expect(eventText('checkin', { at: AT, camera: 'front-door', person: ada }, UTC)).toBe('Ada Lovelace checked in at front-door at 08:59.');
    expect(eventText('recognition', { at: AT, camera: 'hall', person: ada }, UTC)).toBe('Ada Lovelace was recognised at hall at 08:59.');
    expect(eventText('unknown', { at: AT, camera: 'yard', bestScore: 0.5 }, UTC)).toBe('An unknown face was seen at yard at 08:59.');
    expect(eventText('presentation_attack', { at: AT, camera: 'door', closest: ada }, UTC)).toBe(
      'Not live: a photo or a screen was held up to door at 08:59 (it looked like Ada Lovelace). Nobody was checked in.',
    );
    expect(eventText('presentation_attack', { at: AT, camera: 'door', closest: null }, UTC)).toBe(
      'Not live: a photo or a screen was held up to door at 08:59. Nobody was checked in.',
    );
    expect(eventText('camera.down', { at: AT, camera: 'gate', lastFrameAt: '2026-12-07T08:58:10Z' }, UTC)).toBe(
      'Camera gate stopped sending frames (last frame at 08:58).',
    );
    expect(eventText('camera.up', { at: AT, camera: 'gate' }, UTC)).toBe('Camera gate is sending frames again at 08:59.');
    expect(eventText('test', { at: AT, camera: 'test', message: 'A test event sent by admin' }, UTC)).toBe(
      'Facestream test message: A test event sent by admin. Times in these messages are UTC.',
    );
    for (const type of EVENT_TYPES) expect(eventText(type, { at: AT, camera: 'c', person: ada }, UTC)).not.toMatch(/undefined|null|NaN/);
  });

  it("sums up the day's attendance: who did not check in, a long list cut short, everyone, nobody enrolled", () => {
    const day = (people: number, checkedInCount: number, notCheckedIn: string[], notCheckedInCount = notCheckedIn.length) =>
      eventText(
        'attendance.summary',
        { at: AT, date: '2026-12-07', people, checkedInCount, notCheckedInCount, notCheckedIn: notCheckedIn.map((name, i) => ({ id: String(i), name })) },
        UTC,
      );
    expect(day(25, 23, ['Ada Lovelace', 'Bob Smith'])).toBe('Attendance on 2026-12-07 at 08:59: 23 of 25 checked in. Not checked in: Ada Lovelace, Bob Smith.');
    expect(day(100, 40, ['A', 'B'], 60)).toBe('Attendance on 2026-12-07 at 08:59: 40 of 100 checked in. Not checked in: A, B, and 58 more.');
    expect(day(3, 3, [])).toBe('Attendance on 2026-12-07 at 08:59: all 3 checked in.');
    expect(day(0, 0, [])).toBe('Attendance on 2026-12-07 at 08:59: nobody is enrolled yet.');
  });

  it('uses the given time zone, and leaves out a time it cannot read', () => {
    expect(clockTime(AT, 'Asia/Shanghai')).toBe('16:59');
    expect(eventText('test', { message: 'hi' }, 'Asia/Shanghai')).toBe('Facestream test message: hi. Times in these messages are Asia/Shanghai.');
    expect(eventText('checkin', { at: 'yesterday', camera: 'door', person: ada }, UTC)).toBe('Ada Lovelace checked in at door.');
    expect(eventText('checkin', {}, UTC)).toBe('Someone checked in at a camera.');
  });
});

describe('formatRequest', () => {
  const checkin = (name: string) => ({ type: 'checkin', payload: { at: AT, camera: 'door', person: { id: 'x', name } }, json: '{"signed":true}' });

  it('sends JSON webhooks the signed body unchanged', () => {
    expect(formatRequest('json', 'https://example.com/h', checkin('Ada'), UTC)).toEqual({
      url: 'https://example.com/h',
      contentType: 'application/json',
      body: '{"signed":true}',
    });
  });

  it('escapes what Slack reads as markup, so a name cannot ping a channel', () => {
    const r = formatRequest('slack', 'https://hooks.slack.com/services/T/B/x', checkin('<!channel> Tom & Jerry'), UTC);
    expect(JSON.parse(r.body)).toEqual({ text: '&lt;!channel&gt; Tom &amp; Jerry checked in at door at 08:59.' });
  });

  it('turns Discord mentions off', () => {
    const r = formatRequest('discord', 'https://discord.com/api/webhooks/1/t', checkin('@everyone'), UTC);
    expect(JSON.parse(r.body)).toEqual({ content: '@everyone checked in at door at 08:59.', allowed_mentions: { parse: [] } });
  });

  it("posts Telegram's sendMessage body with the URL's chat, as plain text", () => {
    const url = 'https://api.telegram.org/bot1:abc/sendMessage?chat_id=-100123';
    const r = formatRequest('telegram', url, checkin('李雷 *bold*'), UTC);
    expect(r.url).toBe(url);
    expect(JSON.parse(r.body)).toEqual({ chat_id: '-100123', text: '李雷 *bold* checked in at door at 08:59.', disable_web_page_preview: true });
  });

  it('publishes to ntfy as JSON at the server root (any UTF-8 name), also under a sub-path', () => {
    const r = formatRequest('ntfy', 'https://ntfy.sh/office-door', checkin('王芳'), UTC);
    expect(r.url).toBe('https://ntfy.sh/');
    expect(JSON.parse(r.body)).toEqual({ topic: 'office-door', title: 'Facestream', message: '王芳 checked in at door at 08:59.', tags: ['white_check_mark'] });
    expect(formatRequest('ntfy', 'https://u:p@home.lan/ntfy/door_1', checkin('A'), UTC).url).toBe('https://u:p@home.lan/ntfy/');
  });

  it('refuses a URL that cannot carry its format', () => {
    expect(formatUrlProblem('telegram', 'https://api.telegram.org/bot1:abc/sendMessage')).toMatch(/chat_id/);
    expect(formatUrlProblem('telegram', 'https://api.telegram.org/bot1:abc/getMe?chat_id=1')).toMatch(/sendMessage/);
    expect(formatUrlProblem('ntfy', 'https://ntfy.sh/')).toMatch(/topic/);
    expect(formatUrlProblem('ntfy', 'https://ntfy.sh/a%20b')).toMatch(/topic/);
    expect(formatUrlProblem('slack', 'https://example.com/anything')).toBeNull();
    expect(() => formatRequest('telegram', 'https://example.com/', checkin('A'), UTC)).toThrow(/Telegram URL/);
  });
});

describe('photos', () => {
  const unknown = { type: 'unknown', payload: { at: AT, camera: 'yard', sightingId: 's1' } };
  const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xd9]);

  it('attaches the stored face of an unknown or refused face, where the format can post a file', () => {
    expect(photoOf('telegram', 'unknown', unknown.payload)).toEqual({ kind: 'sighting', id: 's1' });
    expect(photoOf('discord', 'presentation_attack', { securityEventId: 'e1' })).toEqual({ kind: 'security', id: 'e1' });
    expect(photoOf('slack', 'unknown', unknown.payload)).toBeNull();
    expect(photoOf('ntfy', 'unknown', unknown.payload)).toBeNull();
    expect(photoOf('json', 'unknown', unknown.payload)).toBeNull();
    expect(photoOf('telegram', 'checkin', { person: { name: 'A' } })).toBeNull();
  });

  it("posts Telegram's sendPhoto with the line as caption, and a Discord message with the file", async () => {
    const t = photoRequest('telegram', 'https://api.telegram.org/bot1:abc/sendMessage?chat_id=9', unknown, jpeg, UTC);
    expect(t.url).toBe('https://api.telegram.org/bot1:abc/sendPhoto?chat_id=9');
    expect(t.contentType).toBeNull();
    const tf = t.body as FormData;
    expect([tf.get('chat_id'), tf.get('caption')]).toEqual(['9', 'An unknown face was seen at yard at 08:59.']);
    const photo = tf.get('photo') as File;
    expect([photo.name, photo.type, new Uint8Array(await photo.arrayBuffer())]).toEqual(['face.jpg', 'image/jpeg', jpeg]);
    const d = photoRequest('discord', 'https://discord.com/api/webhooks/1/t', unknown, jpeg, UTC);
    const df = d.body as FormData;
    expect(JSON.parse(df.get('payload_json') as string)).toEqual({ content: 'An unknown face was seen at yard at 08:59.', allowed_mentions: { parse: [] } });
    expect((df.get('files[0]') as File).name).toBe('face.jpg');
  });
});

describe('maskedUrl and splitCredentials', () => {
  it("hides a password, and a chat format's token", () => {
    expect(maskedUrl('json', 'https://u:secret@example.com/hook/abcdef')).toBe('https://u:***@example.com/hook/abcdef');
    expect(maskedUrl('slack', 'https://hooks.slack.com/services/T1/B2/XYZsecret')).toBe('https://hooks.slack.com/services/T1/B2/***');
    expect(maskedUrl('discord', 'https://discord.com/api/webhooks/99/tok')).toBe('https://discord.com/api/webhooks/99/***');
    expect(maskedUrl('telegram', 'https://api.telegram.org/bot12:AAH-x/sendMessage?chat_id=5')).toBe('https://api.telegram.org/bot***/sendMessage?chat_id=5');
  });

  it('moves a user and password out of the URL into Basic authentication', () => {
    expect(splitCredentials('https://example.com/h')).toEqual({ url: 'https://example.com/h', authorization: null });
    const s = splitCredentials('https://us%40er:p%3Ass@example.com/h?x=1');
    expect(s.url).toBe('https://example.com/h?x=1');
    expect(Buffer.from(s.authorization!.replace('Basic ', ''), 'base64').toString()).toBe('us@er:p:ss');
  });
});
