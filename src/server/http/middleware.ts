// Request middleware: Host and cross-site checks, authentication, role checks, per-key rate limits, query text, body
// content types and size limits, CORS.
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { forbiddenCharacter } from '../../shared/text.js';
import type { Authenticator } from '../auth/authenticate.js';
import { keyFromCookie, keyFromRequest, roleAllows, type Role } from '../auth/keys.js';
import { crossOriginRefusal, hostAllowed, originListed, type AuthMode } from '../auth/mode.js';
import type { RateLimiter } from '../auth/rate-limit.js';
import type { AppEnv } from './context.js';
import { ApiError, errorResponse } from './errors.js';

/** Resolves the caller from the request's key (401 when keys are required and missing or unknown). */
export function authenticate(auth: Authenticator): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = (n: string) => c.req.header(n);
    // A key sent with the request wins over the sign-in cookie: a script's explicit key is what it means to use.
    const result = await auth.authenticate(keyFromRequest(header) ?? keyFromCookie(header), { remote: remoteAddress(c) });
    if (!result.ok && result.code === 'rate_limited')
      return errorResponse(c, 'rate_limited', result.message, { 'Retry-After': String(result.retryAfterSeconds) });
    if (!result.ok) return errorResponse(c, 'unauthenticated', result.message, { 'WWW-Authenticate': 'Bearer realm="facestream"' });
    c.set('principal', result.principal);
    await next();
  };
}

/** 403 unless the caller's role is at least `role`. */
export function requireRole(role: Role): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const p = c.get('principal');
    if (!p) throw new ApiError('unauthenticated', 'authentication required');
    if (!roleAllows(p.role, role)) throw new ApiError('forbidden', `this needs the ${role} role; your key "${p.name}" is ${p.role}`);
    await next();
  };
}

export function rateLimit(limiter: RateLimiter): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const who = c.get('principal')?.keyId ?? 'open';
    const r = limiter.take(who);
    if (!r.ok)
      throw new ApiError('rate_limited', `too many requests for this key; retry in ${r.retryAfterSeconds} s`, { 'Retry-After': String(r.retryAfterSeconds) });
    await next();
  };
}

const mediaType = (ct: string | undefined) => (ct ?? '').split(';')[0]!.trim().toLowerCase();
/** `setting`: the setting that sets `max`, named in the error so the operator knows what to raise. */
const tooLarge = (max: number, setting?: string) =>
  bodyLimit({
    maxSize: max,
    onError: (c) => errorResponse(c, 'payload_too_large', `request body is over the limit of ${max} bytes${setting ? ` (${setting})` : ''}`),
  });

/**
 * JSON bodies: 415 for another content type, 413 over 1 MiB, 400 malformed_json when it does not parse, 400
 * validation_failed when any string in it (a key or a value, however deep) holds a control character: no field of
 * this API takes one, and a schema that forgets to say so must not let a NUL reach the database.
 */
export function jsonBody(): MiddlewareHandler {
  const limit = tooLarge(1024 * 1024);
  return async (c, next) => {
    const type = mediaType(c.req.header('content-type'));
    if (!/^application\/([\w.-]+\+)?json$/.test(type)) {
      return errorResponse(c, 'unsupported_media_type', `send application/json, not ${type || 'no content type'}`);
    }
    return limit(c, async () => {
      let body: unknown;
      try {
        body = await c.req.json(); // cached: the validator reads the same parsed body
      } catch {
        throw new ApiError('malformed_json', 'request body is not valid JSON');
      }
      const bad = forbiddenInJson(body);
      if (bad) throw new ApiError('validation_failed', `json: ${bad.path}: must not contain control or bidirectional-override characters (found ${bad.char})`);
      await next();
    });
  };
}

/** The first string of a parsed JSON value holding a forbidden character (shared/text.ts), with its path. Iterative: a deeply nested body must not overflow the stack. */
export function forbiddenInJson(value: unknown): { path: string; char: string } | null {
  const stack: [unknown, string][] = [[value, 'body']];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      const char = forbiddenCharacter(v);
      if (char) return { path, char };
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => stack.push([item, `${path}.${i}`]));
    } else if (v && typeof v === 'object') {
      for (const [k, item] of Object.entries(v)) {
        const char = forbiddenCharacter(k);
        if (char) return { path: `${path} (a key)`, char };
        stack.push([item, `${path}.${k.slice(0, 50)}`]);
      }
    }
  }
  return null;
}

/** multipart/form-data uploads: 415 for another content type, 413 over `maxBytes` (naming `setting`). */
export function multipartBody(maxBytes: () => number, setting?: string): MiddlewareHandler {
  return async (c, next) => {
    const type = mediaType(c.req.header('content-type'));
    if (type !== 'multipart/form-data') return errorResponse(c, 'unsupported_media_type', `send multipart/form-data, not ${type || 'no content type'}`);
    return tooLarge(maxBytes(), setting)(c, next);
  };
}

/** The peer's socket address; undefined for in-process requests (app.request without a Node request). */
export function remoteAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
}

/** The Host the client asked for: the header, else (in-process requests) the request URL's. */
const requestHost = (c: Context) => c.req.header('host') ?? new URL(c.req.url).host;

/** In open mode, 403 host_not_allowed unless the Host is a loopback name (a DNS-rebound page sends its own name). */
export function loopbackHostOnly(mode: AuthMode): MiddlewareHandler {
  return async (c, next) => {
    const host = requestHost(c);
    if (!hostAllowed(mode, host)) {
      return errorResponse(
        c,
        'host_not_allowed',
        `open mode answers only to a loopback host name (localhost, 127.0.0.1, [::1]), not "${host.slice(0, 100)}"; use AUTH_MODE=keys to serve other names`,
      );
    }
    await next();
  };
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** 403 cross_origin for a POST, PUT, PATCH or DELETE sent by a page of another origin than ours or ALLOWED_ORIGINS. */
export function sameOriginWrites(allowed: string[]): MiddlewareHandler {
  return async (c, next) => {
    if (STATE_CHANGING.has(c.req.method)) {
      const why = crossOriginRefusal(
        { host: requestHost(c), origin: c.req.header('origin'), referer: c.req.header('referer'), fetchSite: c.req.header('sec-fetch-site') },
        allowed,
      );
      if (why) return errorResponse(c, 'cross_origin', why);
    }
    await next();
  };
}

/** 400 validation_failed when any query parameter holds a control character (shared/text.ts), on every route. */
export function plainQueryText(): MiddlewareHandler {
  return async (c, next) => {
    for (const [name, values] of Object.entries(c.req.queries())) {
      for (const v of [name, ...values]) {
        const bad = forbiddenCharacter(v);
        if (bad)
          return errorResponse(
            c,
            'validation_failed',
            `query: ${forbiddenCharacter(name) ? 'a parameter name' : name.slice(0, 50)}: must not contain control or bidirectional-override characters (found ${bad})`,
          );
      }
    }
    await next();
  };
}

/**
 * CORS headers only for origins listed in ALLOWED_ORIGINS (none by default: the pages are served by this server
 * itself and need none). Never for the request's own Host: under DNS rebinding a foreign page's origin matches it.
 */
export function corsFor(allowed: string[]): MiddlewareHandler {
  return cors({
    origin: (origin) => (origin && originListed(origin, allowed) ? origin : null),
    allowHeaders: ['Authorization', 'X-API-Key', 'Content-Type'],
    allowMethods: ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
    maxAge: 600,
  });
}
