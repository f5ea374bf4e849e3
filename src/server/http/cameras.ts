// /api/v1/cameras: server-pulled cameras (RTSP, MJPEG over HTTP, a local video device). Operators add, change and
// delete them; viewers list them, read their status and their latest annotated snapshot. A URL's user and password
// are never returned: the API shows `rtsp://***@host/…`, and a patch that sends that form back keeps them.
import { z } from '@hono/zod-openapi';
import { hasCredentials, mergeCredentials, parseCameraUrl, redactUrl } from '../../shared/camera-url.js';
import type { CameraPolicies } from '../recognition/camera-policies.js';
import type { CameraRow, CamerasRepo } from '../store/cameras-repo.js';
import { CameraStatus, type CameraControl } from './camera-control.js';
import { resource, type App } from './context.js';
import { ApiError, errorDocs } from './errors.js';
import { IdParam, Name, iso, json, jsonRequest, secured } from './schemas.js';

const Url = z
  .string()
  .min(1)
  .max(2048)
  .superRefine((url, ctx) => {
    const parsed = parseCameraUrl(url);
    if (!parsed.ok) ctx.addIssue({ code: z.ZodIssueCode.custom, message: parsed.message });
  })
  .openapi({
    description: 'rtsp://, rtsps://, http(s):// serving MJPEG, or /dev/videoN. May carry user:password@; they are stored but never returned.',
    example: 'rtsp://user:secret@192.168.1.20:554/stream1',
  });
const MaxFps = z.number().positive().max(30).openapi({ description: 'Frames a second taken from the stream at most (the rest are never decoded).' });

const Camera = z
  .object({
    id: z.string(),
    name: z.string().openapi({ description: 'The camera label check-ins and sightings carry.' }),
    url: z.string().openapi({ description: 'With any user and password replaced by ***.' }),
    hasCredentials: z.boolean(),
    enabled: z.boolean(),
    maxFps: z.number(),
    createdAt: z.string(),
    updatedAt: z.string(),
    status: CameraStatus,
  })
  .openapi('Camera');

const NewCamera = z.object({ name: Name, url: Url, enabled: z.boolean().default(true), maxFps: MaxFps.default(5) }).strict();
const CameraChanges = z
  .object({ name: Name.optional(), url: Url.optional(), enabled: z.boolean().optional(), maxFps: MaxFps.optional() })
  .strict()
  .openapi({ description: 'A url with `***@` (as returned) keeps the stored user and password.' });

export interface CamerasDeps {
  cameras: CamerasRepo;
  control: CameraControl;
  /** A renamed camera keeps its liveness policy (policies are keyed by the camera's name). */
  policies?: Pick<CameraPolicies, 'rename'>;
}

export function camerasRoutes(deps: CamerasDeps): App {
  const app = resource();
  const { cameras: repo, control } = deps;
  const cameraJson = (row: CameraRow) => ({
    id: row.id,
    name: row.name,
    url: redactUrl(row.url),
    hasCredentials: hasCredentials(row.url),
    enabled: row.enabled,
    maxFps: row.maxFps,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
    status: control.status(row),
  });
  const find = async (id: string) => {
    const row = await repo.get(id);
    if (!row) throw new ApiError('not_found', `no camera ${id}`);
    return row;
  };
  const duplicate = (name: string | undefined) => new ApiError('duplicate_name', `a camera is already called ${JSON.stringify(name)}`);

  app.openapi(
    secured('viewer', {
      method: 'get',
      path: '/api/v1/cameras',
      tags: ['cameras'],
      summary: 'List cameras with their status',
      responses: { 200: json(z.object({ items: z.array(Camera) }), 'Cameras by name') },
    }),
    async (c) => c.json({ items: (await repo.list()).map(cameraJson) }, 200),
  );

  app.openapi(
    secured(
      'operator',
      {
        method: 'post',
        path: '/api/v1/cameras',
        tags: ['cameras'],
        summary: 'Add a camera',
        description: 'Stored, and pulled at once when enabled; it is pulled again after every restart.',
        request: jsonRequest(NewCamera),
        responses: { 201: json(Camera, 'Added'), ...errorDocs('duplicate_name') },
      },
      { body: 'json' },
    ),
    async (c) => {
      const body = c.req.valid('json');
      const created = await repo.create(body);
      if (!created.ok) throw duplicate(body.name);
      await control.apply(created.camera);
      return c.json(cameraJson(created.camera), 201);
    },
  );

  app.openapi(
    secured('viewer', {
      method: 'get',
      path: '/api/v1/cameras/{id}',
      tags: ['cameras'],
      summary: 'Get a camera',
      request: { params: IdParam },
      responses: { 200: json(Camera, 'The camera'), ...errorDocs('not_found') },
    }),
    async (c) => c.json(cameraJson(await find(c.req.valid('param').id)), 200),
  );

  app.openapi(
    secured(
      'operator',
      {
        method: 'patch',
        path: '/api/v1/cameras/{id}',
        tags: ['cameras'],
        summary: 'Change a camera: enable or disable it, rename it, cap its frame rate, point it elsewhere',
        description: 'The camera is restarted with the new settings.',
        request: { params: IdParam, ...jsonRequest(CameraChanges) },
        responses: { 200: json(Camera, 'Changed'), ...errorDocs('not_found', 'duplicate_name') },
      },
      { body: 'json' },
    ),
    async (c) => {
      const { id } = c.req.valid('param');
      const changes = c.req.valid('json');
      const stored = await find(id);
      const url = changes.url === undefined ? undefined : mergeCredentials(changes.url, stored.url);
      const updated = await repo.update(id, { ...changes, ...(url === undefined ? {} : { url }) });
      if (!updated) throw new ApiError('not_found', `no camera ${id}`);
      if (!updated.ok) throw duplicate(changes.name);
      if (stored.name !== updated.camera.name) await deps.policies?.rename(stored.name, updated.camera.name);
      await control.apply(updated.camera);
      return c.json(cameraJson(updated.camera), 200);
    },
  );

  app.openapi(
    secured('operator', {
      method: 'delete',
      path: '/api/v1/cameras/{id}',
      tags: ['cameras'],
      summary: 'Delete a camera',
      description: 'Its stream is stopped; its check-ins and sightings stay.',
      request: { params: IdParam },
      responses: { 204: { description: 'Deleted' }, ...errorDocs('not_found') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      if (!(await repo.delete(id))) throw new ApiError('not_found', `no camera ${id}`);
      await control.remove(id);
      return c.body(null, 204);
    },
  );

  app.openapi(
    secured('viewer', {
      method: 'get',
      path: '/api/v1/cameras/{id}/status',
      tags: ['cameras'],
      summary: "A camera's status: connection, frame rates, last frame, last error, reconnects, names seen",
      request: { params: IdParam },
      responses: { 200: json(CameraStatus, 'Status'), ...errorDocs('not_found') },
    }),
    async (c) => c.json(control.status(await find(c.req.valid('param').id)), 200),
  );

  app.openapi(
    secured('viewer', {
      method: 'get',
      path: '/api/v1/cameras/{id}/snapshot.jpg',
      tags: ['cameras'],
      summary: "The camera's latest processed frame with its overlay (boxes and names) drawn in",
      request: { params: IdParam },
      responses: {
        200: {
          content: { 'image/jpeg': { schema: z.string().openapi({ type: 'string', format: 'binary' }) } },
          description: 'JPEG; Last-Modified is when it was processed',
        },
        ...errorDocs('not_found'),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      await find(id);
      const shot = await control.snapshot(id);
      if (!shot) throw new ApiError('not_found', `camera ${id} has no processed frame yet (see its status)`);
      return c.body(new Uint8Array(shot.jpeg), 200, {
        'content-type': 'image/jpeg',
        'cache-control': 'no-store',
        'last-modified': new Date(shot.at).toUTCString(),
      });
    },
  );
  return app;
}
