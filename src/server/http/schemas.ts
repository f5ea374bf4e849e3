// zod schemas shared by several resources (they validate requests and generate the OpenAPI document), and the route helper.
import { createRoute, z, type RouteConfig } from '@hono/zod-openapi';
import { text } from '../../shared/text.js';
import type { Role } from '../auth/keys.js';
import { jsonBody, multipartBody, requireRole } from './middleware.js';
import { errorDocs } from './errors.js';

export const Uuid = z.string().uuid();
export const IdParam = z.object({ id: Uuid.openapi({ param: { name: 'id', in: 'path' }, example: '0b6f5c6e-8d0e-4c36-9d2a-3f0c1f3b2a10' }) });

/** A person's or key's name: no control characters, white space collapsed, NFC (shared/text.ts); 1..100 characters. */
export const Name = text({ max: 100 }).openapi({ example: 'Ada Lovelace' });
/** Search text in a query parameter: the same rules as names, empty allowed. */
export const SearchText = text({ min: 0, max: 100 });

export const Page = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100).openapi({ description: 'Items per page, at most 1000.' }),
  offset: z.coerce.number().int().min(0).default(0),
});

export const Person = z.object({ id: z.string(), name: z.string(), faces: z.number().int(), createdAt: z.string().datetime() }).openapi('Person');

export const Box = z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() }).openapi('Box');

export const FileUpload = z.instanceof(File).openapi({ type: 'string', format: 'binary' });
/** One or more files under the same form field. */
export const Files = z
  .preprocess((v) => (Array.isArray(v) ? v : v === undefined ? v : [v]), z.array(FileUpload).min(1))
  .openapi({ type: 'array', items: { type: 'string', format: 'binary' } });

export const iso = (d: Date) => d.toISOString();
export const personJson = (p: { id: string; name: string; faces: number; createdAt: Date }) => ({
  id: p.id,
  name: p.name,
  faces: p.faces,
  createdAt: iso(p.createdAt),
});

export const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
export const jsonRequest = <T extends z.ZodType>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: true } });
export const formRequest = <T extends z.ZodType>(schema: T) => ({ body: { content: { 'multipart/form-data': { schema } }, required: true } });

type BodyKind = 'json' | 'multipart' | undefined;

/**
 * A route that needs `role` (its OpenAPI operation says so in its description and in `x-role`), with the body
 * checks for its kind of body and the auth errors documented.
 */
export function secured<R extends RouteConfig>(
  role: Role,
  r: R,
  /** maxBytesSetting: the setting behind maxBytes, named in a 413 (e.g. MAX_IMPORT_BYTES). */
  opts: { body?: BodyKind; maxBytes?: () => number; maxBytesSetting?: string } = {},
): R {
  const mw = [requireRole(role)];
  // A route that declares a JSON or multipart body gets its checks even when `opts.body` was left out: without them
  // the validator skips a body of another content type and the handler meets no body at all.
  const declared = r.request?.body?.content ?? {};
  const body = opts.body ?? ('application/json' in declared ? 'json' : 'multipart/form-data' in declared ? 'multipart' : undefined);
  if (body === 'json') mw.push(jsonBody());
  if (body === 'multipart') mw.push(multipartBody(opts.maxBytes ?? (() => 10 * 1024 * 1024), opts.maxBytesSetting));
  const bodyErrors = body ? errorDocs('validation_failed', 'malformed_json', 'payload_too_large', 'unsupported_media_type') : errorDocs('validation_failed');
  return createRoute({
    ...r,
    middleware: mw,
    description: `Role: **${role}**.${r.description ? ' ' + r.description : ''}`,
    security: [{ bearer: [] }, { apiKey: [] }],
    'x-role': role,
    responses: { ...bodyErrors, ...errorDocs('unauthenticated', 'forbidden', 'rate_limited'), ...r.responses },
  } as R);
}
