// One webhook POST: the body its format makes (chat-formats.ts), signed, with the event id as idempotency key, a timeout,
// and what the answer means.
import type { Webhook } from '../store/integrations-repo.js';
import type { OutgoingRequest } from './chat-formats.js';
import { EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign } from './signature.js';

export type SendResult = { ok: true; status: number | null } | { ok: false; status: number | null; error: string; permanent: boolean };

/**
 * 2xx is delivered. 408, 425, 429 and 5xx are tried again, as are network errors and timeouts. Any other 4xx means the
 * receiver refuses this request as it is, and sending it again would not change that: given up at once.
 */
export function classify(status: number): 'ok' | 'retry' | 'permanent' {
  if (status >= 200 && status < 300) return 'ok';
  if (status >= 400 && status < 500 && ![408, 425, 429].includes(status)) return 'permanent';
  return 'retry';
}

/**
 * fetch() refuses a URL with a user and password in it, so they travel as Basic authentication (what a browser does
 * with such a URL). Returns the URL without them and the header, if any.
 */
export function splitCredentials(url: string): { url: string; authorization: string | null } {
  const u = new URL(url);
  if (!u.username && !u.password) return { url, authorization: null };
  const pair = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
  u.username = '';
  u.password = '';
  return { url: u.toString(), authorization: `Basic ${Buffer.from(pair, 'utf8').toString('base64')}` };
}

export async function sendWebhook(
  hook: Pick<Webhook, 'secret'>,
  d: { eventId: string; type: string; request: OutgoingRequest },
  opts: { timeoutMs: number; now: number; userAgent: string },
): Promise<SendResult> {
  const timestamp = Math.floor(opts.now / 1000);
  const { url, authorization } = splitCredentials(d.request.url);
  const body = d.request.body;
  try {
    const res = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(opts.timeoutMs),
      headers: {
        ...(d.request.contentType ? { 'Content-Type': d.request.contentType } : {}),
        ...(authorization ? { Authorization: authorization } : {}),
        'User-Agent': opts.userAgent,
        'Idempotency-Key': d.eventId,
        [EVENT_ID_HEADER]: d.eventId,
        [EVENT_TYPE_HEADER]: d.type,
        [TIMESTAMP_HEADER]: String(timestamp),
        // A multipart body (a chat photo) is not signed: its bytes are fetch()'s to lay out, and chats do not check.
        ...(typeof body === 'string' ? { [SIGNATURE_HEADER]: sign(hook.secret, timestamp, body) } : {}),
      },
      body,
    });
    await res.body?.cancel().catch(() => {});
    const kind = classify(res.status);
    if (kind === 'ok') return { ok: true, status: res.status };
    return { ok: false, status: res.status, error: `HTTP ${res.status}`, permanent: kind === 'permanent' };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const why = e.name === 'TimeoutError' ? `no answer in ${opts.timeoutMs} ms` : (e.cause?.code ?? e.cause?.message ?? e.message);
    return { ok: false, status: null, error: why, permanent: false };
  }
}
