// Who the page is acting as. In keys mode the browser signs in with POST /api/v1/session, which keeps the key in an
// HttpOnly cookie: page scripts never hold it (an injected script cannot read it) and every request and the WebSocket
// carry it on their own. GET /api/v1/whoami says who the cookie is; a small REST client for the pages.

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Session {
  name: string;
  role: Role;
  mode: 'open' | 'keys';
}

export const can = (s: Pick<Session, 'role'>, need: Role): boolean => ROLES.indexOf(s.role) >= ROLES.indexOf(need);

/** Where pages before the sign-in cookie kept the key (readable by any script on the page). */
const LEGACY_KEY_STORAGE = 'facestream.key';

/** A key an older version of the page left in localStorage, taken out of it (it is signed in with once, then gone). */
export function takeLegacyKey(): string | null {
  try {
    const key = localStorage.getItem(LEGACY_KEY_STORAGE);
    localStorage.removeItem(LEGACY_KEY_STORAGE);
    return key;
  } catch {
    return null; // storage disabled: nothing was kept there
  }
}

export type WhoAmI = { ok: true; session: Session } | { ok: false; status: number; message: string };

async function sessionCall(path: string, init: RequestInit): Promise<WhoAmI> {
  let res: Response;
  try {
    res = await fetch(path, { ...init, cache: 'no-store' });
  } catch (err) {
    return { ok: false, status: 0, message: `cannot reach the server (${err instanceof Error ? err.message : String(err)})` };
  }
  if (!res.ok) return { ok: false, status: res.status, message: await errorMessage(res) };
  return { ok: true, session: (await res.json()) as Session };
}

/** Who this browser is signed in as (its cookie). 401: not signed in, or the key was revoked. */
export function whoami(): Promise<WhoAmI> {
  return sessionCall('/api/v1/whoami', {});
}

/** Signs this browser in with `key`: the server checks it and keeps it in an HttpOnly cookie. 401: a wrong key. */
export function signIn(key: string): Promise<WhoAmI> {
  return sessionCall('/api/v1/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ key }) });
}

/** Clears the sign-in cookie (best effort: a server that cannot be reached keeps it until it is reached again). */
export async function signOut(): Promise<void> {
  try {
    await fetch('/api/v1/session', { method: 'DELETE' });
  } catch {
    /* the server is down: the page reloads to the sign-in form once it is back */
  }
}

/** The `{ error: { message } }` of a failed response, or its status text. */
export async function errorMessage(res: Response): Promise<string> {
  try {
    const body = (await res.clone().json()) as { error?: { message?: string } };
    if (body.error?.message) return body.error.message;
  } catch {
    /* not JSON */
  }
  return `${res.status} ${res.statusText}`.trim();
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type Api = ReturnType<typeof apiClient>;

/** REST calls as this browser's session. A 401 (key revoked meanwhile) calls `onUnauthenticated`. Errors throw ApiError. */
export function apiClient(onUnauthenticated: () => void = () => {}) {
  const call = async (method: string, path: string, body?: BodyInit, type?: string): Promise<Response> => {
    const headers: Record<string, string> = type ? { 'Content-Type': type } : {};
    const res = await fetch(path, { method, headers, body }); // same origin: the sign-in cookie goes with it
    if (res.status === 401) onUnauthenticated();
    if (!res.ok) {
      let code = 'http_' + res.status;
      try {
        code = ((await res.clone().json()) as { error?: { code?: string } }).error?.code ?? code;
      } catch {
        /* not JSON */
      }
      throw new ApiError(res.status, code, await errorMessage(res));
    }
    return res;
  };
  const imageUrl = async (path: string): Promise<string | null> => {
    try {
      return URL.createObjectURL(await (await call('GET', path)).blob());
    } catch {
      return null;
    }
  };
  return {
    async get<T>(path: string): Promise<T> {
      return (await (await call('GET', path)).json()) as T;
    },
    async send<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T | null> {
      const res = await call(method, path, body === undefined ? undefined : JSON.stringify(body), body === undefined ? undefined : 'application/json');
      return res.status === 204 ? null : ((await res.json()) as T);
    },
    async upload<T>(path: string, form: FormData): Promise<T> {
      return (await (await call('POST', path, form)).json()) as T;
    },
    /** The response body as a Blob (images, CSV). */
    async blob(path: string): Promise<Blob> {
      return (await call('GET', path)).blob();
    },
    /** An object URL for an image, through this client (a 401 signs the page out); null when it cannot be fetched. */
    imageUrl,
    /** An <img> of `path`: a plain lazy src, since the sign-in cookie goes with it as with any same-origin request. */
    img(path: string, alt = ''): HTMLImageElement {
      const el = document.createElement('img');
      el.alt = alt;
      el.decoding = 'async';
      el.loading = 'lazy';
      el.src = path;
      return el;
    },
  };
}
