// /api/v1/camera-policies: which cameras require the presentation-attack stage to find a face live before it is named
// and checked in (a door or a kiosk), by camera label: a server camera's name or a socket camera's hello `camera`.
// Cameras without a policy of their own follow RECOGNITION_REQUIRE_LIVE. Viewers read; operators change.
import { z } from '@hono/zod-openapi';
import { text } from '../../shared/text.js';
import type { CameraPolicies } from '../recognition/camera-policies.js';
import { MAX_CAMERA_POLICIES } from '../recognition/camera-policies.js';
import type { CamerasRepo } from '../store/cameras-repo.js';
import { resource, type App } from './context.js';
import { ApiError, errorDocs } from './errors.js';
import { json, jsonRequest, secured } from './schemas.js';

const CameraLabel = text({ min: 0, max: 100 }).openapi({
  description: "The camera label check-ins carry: a server camera's name, or the `camera` a browser camera sends in hello ('' when it sends none).",
  example: 'Front door',
});

const CameraLivePolicy = z
  .object({
    camera: z.string(),
    requireLive: z.boolean().openapi({ description: 'In force now: the camera’s own setting, else the server’s default.' }),
    own: z.boolean().nullable().openapi({ description: 'The camera’s own setting; null when it follows the default (RECOGNITION_REQUIRE_LIVE).' }),
    kind: z.enum(['server', 'browser']).openapi({ description: 'server: pulled by the server (Cameras); browser: seen on the WebSocket or only named here.' }),
  })
  .openapi('CameraLivePolicy');

const Policies = z
  .object({
    defaultRequireLive: z.boolean().openapi({ description: 'RECOGNITION_REQUIRE_LIVE: the policy of cameras without their own.' }),
    items: z
      .array(CameraLivePolicy)
      .openapi({ description: 'Server cameras, cameras seen sending frames since the start, and cameras with a policy, by label.' }),
  })
  .openapi('CameraPolicies');

const SetPolicy = z
  .object({
    camera: CameraLabel,
    requireLive: z.boolean().nullable().openapi({ description: 'true: require liveness; false: never; null: follow the default again.' }),
  })
  .strict();

export interface CameraPoliciesDeps {
  policies: CameraPolicies;
  cameras: Pick<CamerasRepo, 'list'>;
  /** Cameras seen sending frames since the start (socket and server cameras). */
  seen: () => string[];
}

export function cameraPoliciesRoutes(deps: CameraPoliciesDeps): App {
  const app = resource();
  const { policies } = deps;
  const view = (camera: string, kind: 'server' | 'browser') => {
    const own = policies.list().find((p) => p.camera === camera)?.requireLive ?? null;
    return { camera, requireLive: policies.requireLive(camera), own, kind };
  };

  app.openapi(
    secured('viewer', {
      method: 'get',
      path: '/api/v1/camera-policies',
      tags: ['cameras'],
      summary: 'Which cameras require liveness for names and check-ins',
      responses: { 200: json(Policies, 'By camera label') },
    }),
    async (c) => {
      const server = new Set((await deps.cameras.list()).map((r) => r.name));
      const labels = new Set([...server, ...deps.seen(), ...policies.list().map((p) => p.camera)]);
      const items = [...labels].sort().map((camera) => view(camera, server.has(camera) ? 'server' : 'browser'));
      return c.json({ defaultRequireLive: policies.defaultRequireLive, items }, 200);
    },
  );

  app.openapi(
    secured(
      'operator',
      {
        method: 'put',
        path: '/api/v1/camera-policies',
        tags: ['cameras'],
        summary: "Set a camera's liveness policy",
        description: `From the camera's next frame, its faces are named and checked in only once the presentation-attack stage finds them live (requireLive true), never checked (false), or as RECOGNITION_REQUIRE_LIVE says (null). At most ${MAX_CAMERA_POLICIES} cameras have a policy of their own.`,
        request: jsonRequest(SetPolicy),
        responses: { 200: json(CameraLivePolicy, 'The camera’s policy now'), ...errorDocs('limit_reached') },
      },
      { body: 'json' },
    ),
    async (c) => {
      const { camera, requireLive } = c.req.valid('json');
      const out = await policies.set(camera, requireLive);
      if (!out.ok) throw new ApiError('limit_reached', `at most ${MAX_CAMERA_POLICIES} cameras may have a policy of their own; clear one first`);
      const server = (await deps.cameras.list()).some((r) => r.name === camera);
      return c.json(view(camera, server ? 'server' : 'browser'), 200);
    },
  );
  return app;
}
