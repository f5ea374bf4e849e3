// Who the page is acting as: the API key kept in this browser, checked with GET /api/v1/whoami before it is kept,
// and a small REST client that sends it (pages cannot put headers on <img> or WebSocket URLs, so it also fetches images).

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Session {
  /** The key the page sends; null in open mode or without one. */
  key: string | null;
  name: string;
  role: Role;
  mode: 'open' | 'keys';
}

export const can = (s: Pick<Session, 'role'>, need: Role): boolean => ROLES.indexOf(s.role) >= ROLES.indexOf(need);

const KEY_STORAGE = 'facestream.key';

/** The remembered key; localStorage can be disabled, then nothing is remembered. */
export const keyStore = {
  get(): string | null {
    try {
      return localStorage.getItem(KEY_STORAGE);
    } catch {
      return null;
    }
  },
  set(key: string): void {
    try {
      localStorage.setItem(KEY_STORAGE, key);
    } catch {
      /* storage disabled: the key lasts for this page only */
    }
  },
  forget(): void {
    try {
      localStorage.removeItem(KEY_STORAGE);
    } catch {
      /* nothing stored */
    }
  },
};

export type WhoAmI = { ok: true; session: Session } | { ok: false; status: number; message: string };

const authHeaders = (key: string | null): Record<string, string> => (key ? { Authorization: `Bearer ${key}` } : {});

/** Asks the server who `key` is. 401: the key is wrong (or missing in keys mode). */
export async function whoami(key: string | null): Promise<WhoAmI> {
  let res: Response;
  try {
    res = await fetch('/api/v1/whoami', { headers: authHeaders(key), cache: 'no-store' });
  } catch (err) {
    return { ok: false, status: 0, message: `cannot reach the server (${err instanceof Error ? err.message : String(err)})` };
  }
  if (!res.ok) return { ok: false, status: res.status, message: await errorMessage(res) };
  const body = (await res.json()) as { name: string; role: Role; mode: 'open' | 'keys' };
  return { ok: true, session: { key: body.mode === 'open' ? null : key, ...body } };
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

/** REST calls as this session. A 401 (key revoked meanwhile) calls `onUnauthenticated`. Errors throw ApiError. */
export function apiClient(session: Session, onUnauthenticated: () => void = () => {}) {
  const call = async (method: string, path: string, body?: BodyInit, type?: string): Promise<Response> => {
    const headers: Record<string, string> = { ...authHeaders(session.key), ...(type ? { 'Content-Type': type } : {}) };
    const res = await fetch(path, { method, headers, body });
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
    /** The response body as a Blob (images, CSV), fetched with the key. */
    async blob(path: string): Promise<Blob> {
      return (await call('GET', path)).blob();
    },
    /** An object URL for an image behind the key (an <img src> cannot send one); null when it cannot be fetched. */
    imageUrl,
    /** An <img> of `path`: a plain lazy src without a key, else fetched with the key. */
    img(path: string, alt = ''): HTMLImageElement {
      const el = document.createElement('img');
      el.alt = alt;
      el.decoding = 'async';
      if (!session.key) {
        el.loading = 'lazy';
        el.src = path;
      } else {
        void imageUrl(path).then((u) => {
          if (u) el.src = u;
        });
      }
      return el;
    },
  };
}
