// Request middleware: authentication, role checks, per-key rate limits, body content types and size limits, CORS.
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import type { Authenticator } from '../auth/authenticate.js';
import { keyFromRequest, roleAllows, type Role } from '../auth/keys.js';
import { originAllowed } from '../auth/mode.js';
import type { RateLimiter } from '../auth/rate-limit.js';
import type { AppEnv } from './context.js';
import { ApiError, errorResponse } from './errors.js';

/** Resolves the caller from the request's key (401 when keys are required and missing or unknown). */
export function authenticate(auth: Authenticator): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const result = await auth.authenticate(keyFromRequest((n) => c.req.header(n)));
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
    if (!r.ok) throw new ApiError('rate_limited', `too many requests for this key; retry in ${r.retryAfterSeconds} s`, { 'Retry-After': String(r.retryAfterSeconds) });
    await next();
  };
}

const mediaType = (ct: string | undefined) => (ct ?? '').split(';')[0]!.trim().toLowerCase();
const tooLarge = (max: number) =>
  bodyLimit({ maxSize: max, onError: (c) => errorResponse(c, 'payload_too_large', `request body is over the limit of ${max} bytes`) });

/** JSON bodies: 415 for another content type, 413 over 1 MiB, 400 malformed_json when it does not parse. */
export function jsonBody(): MiddlewareHandler {
  const limit = tooLarge(1024 * 1024);
  return async (c, next) => {
    const type = mediaType(c.req.header('content-type'));
    if (!/^application\/([\w.-]+\+)?json$/.test(type)) {
      return errorResponse(c, 'unsupported_media_type', `send application/json, not ${type || 'no content type'}`);
    }
    return limit(c, async () => {
      try {
        await c.req.json(); // cached: the validator reads the same parsed body
      } catch {
        throw new ApiError('malformed_json', 'request body is not valid JSON');
      }
      await next();
    });
  };
}

/** multipart/form-data uploads: 415 for another content type, 413 over `maxBytes`. */
export function multipartBody(maxBytes: () => number): MiddlewareHandler {
  return async (c, next) => {
    const type = mediaType(c.req.header('content-type'));
    if (type !== 'multipart/form-data') return errorResponse(c, 'unsupported_media_type', `send multipart/form-data, not ${type || 'no content type'}`);
    return tooLarge(maxBytes())(c, next);
  };
}

/** CORS for the listed origins (and none by default: the pages are served by this server itself). */
export function corsFor(allowed: string[]): MiddlewareHandler {
  return cors({
    origin: (origin, c) => (originAllowed(origin, undefined, allowed) || originAllowed(origin, c.req.header('host'), []) ? origin : null),
    allowHeaders: ['Authorization', 'X-API-Key', 'Content-Type'],
    allowMethods: ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
    maxAge: 600,
  });
}
