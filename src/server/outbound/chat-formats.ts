// What a webhook sends: the signed JSON of docs/api.md (`json`), or one line a person reads, in the request a chat
// service's own incoming-webhook API takes, so a chat needs no program in between:
//   slack     Slack, Mattermost, Rocket.Chat and Google Chat incoming webhooks: {"text": ...}
//   discord   a Discord channel webhook: {"content": ...}, mentions off
//   telegram  the Bot API's sendMessage: https://api.telegram.org/bot<token>/sendMessage?chat_id=<chat>
//   ntfy      an ntfy topic (ntfy.sh or self-hosted): https://ntfy.sh/<topic>, published as JSON to the server's root
// Names come from operators and cameras, so every format sends them as plain text: escaped where the service reads
// markup (Slack), mentions disabled where a name could ping a channel (Discord), no parse mode (Telegram, ntfy).
// Telegram and Discord also take a file: an unknown or refused face goes with its photo there (photoRequest).

import { WEBHOOK_FORMATS } from '../store/schema.js';

export { WEBHOOK_FORMATS };
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

/** What a chat webhook subscribes to when it names no types: a line per recognition would flood a chat. */
export const CHAT_DEFAULT_EVENT_TYPES = ['checkin', 'unknown', 'presentation_attack', 'camera.down', 'camera.up'];

export interface OutgoingRequest {
  url: string;
  /** null: a multipart body, whose type (and boundary) fetch() sets. */
  contentType: string | null;
  body: string | FormData;
}

/** A JSON body. */
export type TextRequest = OutgoingRequest & { contentType: string; body: string };

type Payload = Record<string, unknown>;

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const personName = (v: unknown): string =>
  v && typeof v === 'object' && typeof (v as { name?: unknown }).name === 'string' ? (v as { name: string }).name : '';

/** "08:59" in the server's time zone (TZ); "" for a missing or bad time. */
export function clockTime(iso: unknown, timeZone?: string): string {
  const ms = Date.parse(str(iso));
  if (!Number.isFinite(ms)) return '';
  return new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone }).format(ms);
}

/** The zone `clockTime` uses, by its IANA name ("UTC", "Asia/Shanghai"). */
export function zoneName(timeZone?: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone }).resolvedOptions().timeZone;
}

/** The line a person reads for an event; `timeZone` defaults to the server's own. */
export function eventText(type: string, p: Payload, timeZone?: string): string {
  const camera = str(p.camera) || 'a camera';
  const at = clockTime(p.at, timeZone);
  const when = at ? ` at ${at}` : '';
  switch (type) {
    case 'checkin':
      return `${personName(p.person) || 'Someone'} checked in at ${camera}${when}.`;
    case 'recognition':
      return `${personName(p.person) || 'Someone'} was recognised at ${camera}${when}.`;
    case 'unknown':
      return `An unknown face was seen at ${camera}${when}.`;
    case 'presentation_attack': {
      const like = personName(p.closest);
      return `Not live: a photo or a screen was held up to ${camera}${when}${like ? ` (it looked like ${like})` : ''}. Nobody was checked in.`;
    }
    case 'camera.down': {
      const last = clockTime(p.lastFrameAt, timeZone);
      return `Camera ${camera} stopped sending frames${last ? ` (last frame at ${last})` : ''}.`;
    }
    case 'camera.up':
      return `Camera ${camera} is sending frames again${when}.`;
    case 'attendance.summary':
      return summaryText(p, at);
    case 'test':
      // Says the zone: a server left on UTC shows a door's 08:59 as 00:59, and TZ is the one fix (README).
      return `Facestream test message: ${str(p.message) || 'it works'}. Times in these messages are ${zoneName(timeZone)}.`;
    default:
      return `Facestream event ${type} at ${camera}${when}.`;
  }
}

const names = (v: unknown): string[] => (Array.isArray(v) ? v.map(personName).filter((n) => n !== '') : []);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** "Attendance on 2026-12-07 at 18:00: 23 of 25 checked in. Not checked in: Ada Lovelace, Bob Smith, and 2 more." */
function summaryText(p: Payload, at: string): string {
  const head = `Attendance on ${str(p.date) || 'today'}${at ? ` at ${at}` : ''}:`;
  const total = num(p.people);
  const inCount = num(p.checkedInCount);
  if (total === 0) return `${head} nobody is enrolled yet.`;
  if (inCount >= total) return `${head} all ${total} checked in.`;
  const missing = names(p.notCheckedIn);
  const more = num(p.notCheckedInCount) - missing.length;
  const list = missing.length > 0 ? ` Not checked in: ${missing.join(', ')}${more > 0 ? `, and ${more} more` : ''}.` : '';
  return `${head} ${inCount} of ${total} checked in.${list}`;
}

/** Slack's mrkdwn reads &, < and > as markup (<!channel> pings a channel): sent as entities, they show as typed. */
export function slackEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Why `url` cannot carry `format`, or null when it can. Checked when a webhook is saved. */
export function formatUrlProblem(format: WebhookFormat, url: string): string | null {
  const u = new URL(url);
  if (format === 'telegram') {
    if (!/\/bot[^/]+\/sendMessage$/.test(u.pathname)) return 'a Telegram URL is https://api.telegram.org/bot<token>/sendMessage?chat_id=<chat id>';
    if (!u.searchParams.get('chat_id')) return 'the Telegram URL needs ?chat_id=<chat id> (the chat, group or channel to post in)';
  }
  if (format === 'ntfy' && !topicOf(u)) return 'an ntfy URL ends with its topic: https://ntfy.sh/<topic>';
  return null;
}

/** ntfy topics are the URL's last path segment: letters, digits, - and _ (ntfy's own rule), at most 64. */
function topicOf(u: URL): string | null {
  const last = u.pathname.split('/').pop() ?? '';
  return /^[-_A-Za-z0-9]{1,64}$/.test(last) ? last : null;
}

/**
 * The request for one event. `json` is the signed body of docs/api.md (`wireBody`); the chat formats send `eventText`.
 * Throws for a URL that does not fit its format (formatUrlProblem), which the API refuses before it is stored.
 */
export function formatRequest(format: WebhookFormat, url: string, e: { type: string; payload: Payload; json: string }, timeZone?: string): TextRequest {
  const jsonBody = (body: unknown, to = url): TextRequest => ({ url: to, contentType: 'application/json', body: JSON.stringify(body) });
  if (format === 'json') return { url, contentType: 'application/json', body: e.json };
  const problem = formatUrlProblem(format, url);
  if (problem) throw new Error(problem);
  const text = eventText(e.type, e.payload, timeZone);
  switch (format) {
    case 'slack':
      return jsonBody({ text: slackEscape(text) });
    case 'discord':
      return jsonBody({ content: text, allowed_mentions: { parse: [] } });
    case 'telegram': {
      const chatId = new URL(url).searchParams.get('chat_id')!;
      return jsonBody({ chat_id: chatId, text, disable_web_page_preview: true });
    }
    case 'ntfy': {
      // JSON publishing (POST to the server's root) carries any UTF-8 title and message; ntfy's headers are ASCII-only.
      const u = new URL(url);
      const topic = topicOf(u)!;
      u.pathname = u.pathname.slice(0, u.pathname.length - topic.length);
      return jsonBody({ topic, title: 'Facestream', message: text, tags: [NTFY_TAGS[e.type] ?? 'bell'] }, u.toString());
    }
  }
}

/** ntfy shows a tag that names an emoji as that emoji. */
const NTFY_TAGS: Record<string, string> = {
  checkin: 'white_check_mark',
  recognition: 'bust_in_silhouette',
  unknown: 'grey_question',
  presentation_attack: 'no_entry',
  'camera.down': 'warning',
  'camera.up': 'movie_camera',
  'attendance.summary': 'clipboard',
  test: 'wave',
};

/** Telegram refuses a photo caption over 1024 characters. */
const TELEGRAM_CAPTION_MAX = 1024;

/** The stored face an event shows (a sighting's or a refused face's crop), for the formats that can post a photo. */
export function photoOf(format: WebhookFormat, type: string, p: Payload): { kind: 'sighting' | 'security'; id: string } | null {
  if (format !== 'telegram' && format !== 'discord') return null;
  if (type === 'unknown' && typeof p.sightingId === 'string') return { kind: 'sighting', id: p.sightingId };
  if (type === 'presentation_attack' && typeof p.securityEventId === 'string') return { kind: 'security', id: p.securityEventId };
  return null;
}

/**
 * The line of `formatRequest` with the face's JPEG attached: Telegram's sendPhoto (the line as its caption) or a Discord
 * message with the file. Formats that cannot post a file (Slack's incoming webhooks, ntfy's JSON) never get here.
 */
export function photoRequest(
  format: 'telegram' | 'discord',
  url: string,
  e: { type: string; payload: Payload },
  jpeg: Uint8Array,
  timeZone?: string,
): OutgoingRequest {
  const problem = formatUrlProblem(format, url);
  if (problem) throw new Error(problem);
  const text = eventText(e.type, e.payload, timeZone);
  const form = new FormData();
  const file = new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' });
  if (format === 'telegram') {
    const u = new URL(url);
    form.set('chat_id', u.searchParams.get('chat_id')!);
    form.set('caption', text.slice(0, TELEGRAM_CAPTION_MAX));
    form.set('photo', file, 'face.jpg');
    u.pathname = u.pathname.replace(/\/sendMessage$/, '/sendPhoto');
    return { url: u.toString(), contentType: null, body: form };
  }
  form.set('payload_json', JSON.stringify({ content: text, allowed_mentions: { parse: [] } }));
  form.set('files[0]', file, 'face.jpg');
  return { url, contentType: null, body: form };
}

/**
 * The URL as the API shows it. A password is always hidden; for the chat formats the URL itself is the credential
 * (Slack's and Discord's last path segments, Telegram's bot token), so those parts are hidden too.
 */
export function maskedUrl(format: WebhookFormat, url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  if (format === 'telegram') u.pathname = u.pathname.replace(/\/bot[^/]+\//, '/bot***/');
  if (format === 'slack' || format === 'discord') {
    const parts = u.pathname.split('/');
    if (parts.length > 2 && parts[parts.length - 1]) parts[parts.length - 1] = '***';
    u.pathname = parts.join('/');
  }
  return u.toString();
}
