// Helpers for in-process REST tests: app.request() with JSON or multipart bodies and an optional API key.
import type { RunningServer } from '../../src/server/server.js';
import { fixture } from './ws-client.js';

export type Upload = { field: string; name: string; bytes: Uint8Array; type?: string };

export function api(server: RunningServer, key?: string) {
  const headers = (extra: Record<string, string> = {}) => ({ ...(key ? { Authorization: `Bearer ${key}` } : {}), ...extra });
  const call = async (method: string, path: string, init: RequestInit = {}): Promise<Response> =>
    server.app.request(path, { method, ...init, headers: { ...headers(), ...(init.headers as Record<string, string> | undefined) } });
  return {
    get: (path: string) => call('GET', path),
    del: (path: string) => call('DELETE', path),
    json: (method: string, path: string, body: unknown) => call(method, path, { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
    raw: call,
    upload(path: string, files: Upload[], fields: Record<string, string> = {}) {
      const form = new FormData();
      for (const f of files) form.append(f.field, new Blob([Buffer.from(f.bytes)], { type: f.type ?? 'image/jpeg' }), f.name);
      for (const [k, v] of Object.entries(fields)) form.append(k, v);
      return call('POST', path, { body: form });
    },
  };
}

export const photo = (rel: string, field = 'images'): Upload => ({ field, name: rel, bytes: fixture(rel) });

/** Asserts the error envelope and returns its code. */
export async function errorCode(res: Response): Promise<string> {
  const body = (await res.json()) as { error?: { code?: string; message?: string } };
  if (!body.error?.code || typeof body.error.message !== 'string') throw new Error(`not an error body: ${JSON.stringify(body)}`);
  return body.error.code;
}
