// The one error format of the API, `{ error: { code, message } }`, its stable codes, and the handlers that produce it.
import { z } from '@hono/zod-openapi';
import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from '../log.js';
import { InferenceBusyError } from '../vision/scheduler.js';

export const ERROR_CODES = {
  validation_failed: 400,
  malformed_json: 400,
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  host_not_allowed: 403,
  cross_origin: 403,
  not_found: 404,
  duplicate_name: 409,
  limit_reached: 409,
  payload_too_large: 413,
  import_too_large: 413,
  unsupported_media_type: 415,
  not_an_image: 422,
  image_too_large: 422,
  no_face: 422,
  bad_archive: 422,
  bad_export: 422,
  line_too_long: 422,
  model_mismatch: 422,
  not_a_directory: 422,
  rate_limited: 429,
  internal: 500,
  import_incomplete: 500,
  busy: 503,
  insufficient_storage: 507,
} as const satisfies Record<string, ContentfulStatusCode>;
export type ErrorCode = keyof typeof ERROR_CODES;

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]).openapi({ description: 'Stable; clients may switch on it.' }),
      message: z.string().openapi({ description: 'For people; may change.' }),
    }),
  })
  .openapi('Error');

export class ApiError extends Error {
  readonly status: ContentfulStatusCode;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = ERROR_CODES[code];
  }
}

export function errorResponse(c: Context, code: ErrorCode, message: string, headers: Record<string, string> = {}): Response {
  return c.json({ error: { code, message } }, ERROR_CODES[code], headers);
}

/** The documented error responses of a route, by status. */
export function errorDocs(...codes: ErrorCode[]) {
  const out: Record<number, { description: string; content: { 'application/json': { schema: typeof ErrorBody } } }> = {};
  for (const code of codes) {
    const status = ERROR_CODES[code];
    const prev = out[status]?.description;
    out[status] = { description: prev ? `${prev}, ${code}` : code, content: { 'application/json': { schema: ErrorBody } } };
  }
  return out;
}

/** zod issues as one readable line: `name: Too small ...; limit: ...`. */
export function zodMessage(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || 'body'}: ${i.message}`)
    .join('; ');
}

/** Request validation failures from every route's zod schemas. */
export const validationHook = (result: { success: boolean; error?: unknown; target?: string }, c: Context): Response | undefined => {
  if (result.success) return undefined;
  const err = result.error as z.ZodError;
  return errorResponse(c, 'validation_failed', `${result.target ?? 'request'}: ${zodMessage(err)}`);
};

export function errorHandler(log: Logger): ErrorHandler {
  return (err, c) => {
    if (err instanceof ApiError) return errorResponse(c, err.code, err.message, err.headers);
    if (err instanceof InferenceBusyError) return errorResponse(c, 'busy', err.message, { 'Retry-After': String(err.retryAfterS) });
    if (err instanceof HTTPException) {
      if (err.status === 413) return errorResponse(c, 'payload_too_large', 'request body is too large');
      if (err.status === 400 && /json/i.test(err.message)) return errorResponse(c, 'malformed_json', 'request body is not valid JSON');
      if (err.status === 400) return errorResponse(c, 'bad_request', err.message || 'bad request');
      if (err.status === 401) return errorResponse(c, 'unauthenticated', err.message || 'authentication required');
      if (err.status === 403) return errorResponse(c, 'forbidden', err.message || 'forbidden');
    }
    // A text the schemas let through that PostgreSQL still cannot store is the client's input, not our failure.
    if (isTextRejectedByDatabase(err)) return errorResponse(c, 'validation_failed', 'a text field holds a character that cannot be stored');
    log.error('http error', { method: c.req.method, path: c.req.path, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    return errorResponse(c, 'internal', 'internal server error');
  };
}

/** PostgreSQL's character_not_in_repertoire (a NUL in text) or untranslatable_character, however the driver wraps it. */
function isTextRejectedByDatabase(err: unknown): boolean {
  for (let e: unknown = err; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (code === '22021' || code === '22P05') return true;
  }
  return false;
}

export const notFoundHandler: NotFoundHandler = (c) => errorResponse(c, 'not_found', `no route ${c.req.method} ${c.req.path}`);
