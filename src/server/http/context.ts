// The REST app's parts: what the server hands createHttpApp (HttpDeps), the request variables (the caller), and the
// Hono sub-app each resource module builds. Each module takes only the narrow deps it uses; app.ts hands them out.
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Authenticator } from '../auth/authenticate.js';
import type { Principal } from '../auth/keys.js';
import type { CameraControl } from './camera-control.js';
import type { Config } from '../config.js';
import type { Gallery } from '../gallery/gallery.js';
import type { GalleryService } from '../gallery/service.js';
import type { Logger } from '../log.js';
import type { CameraPolicies } from '../recognition/camera-policies.js';
import type { MatchPolicy } from '../recognition/match-policy.js';
import type { Registry } from '../metrics.js';
import type { Outbound } from '../outbound/outbound.js';
import type { Store } from '../store/types.js';
import type { FaceAnalyzer } from '../vision/analyzer.js';
import type { AnalyzerScheduler } from '../vision/scheduler.js';
import { validationHook } from './errors.js';

export interface HttpDeps {
  config: Config;
  store: Store;
  gallery: Gallery;
  /** Every write of faces and people: store, index, then `changed` here and on the other servers. */
  galleryService: GalleryService;
  analyzer: FaceAnalyzer;
  /** Inference with priorities: REST calls run as interactive, imports as bulk, behind live frames. */
  scheduler: AnalyzerScheduler;
  auth: Authenticator;
  /** Who a face is: REST identify, compare and enrolment's duplicate check decide as live frames do. */
  policy: MatchPolicy;
  metrics: Registry;
  log: Logger;
  version: string;
  startedAt: Date;
  publicDir: string;
  sessions: () => number;
  /** The inference threads configured, ready, still loading and failed (compose/inference.ts); absent in tests that give models. */
  inferenceThreads?: () => { configured: number; ready: number; loading: number; failed: number };
  /** Webhooks and MQTT. */
  outbound: Outbound;
  /** Server-pulled cameras; absent where no camera runs (apps built without them in tests). */
  cameras?: CameraControl;
  /** Per-camera liveness policy; absent in apps built without it (tests). */
  cameraPolicies?: CameraPolicies;
  /** Camera labels seen sending frames since the start. */
  seenCameras?: () => string[];
}

export type AppEnv = { Variables: { principal: Principal } };
export type App = OpenAPIHono<AppEnv>;

/** A resource's own sub-app, mounted on the root app with `app.route('/', ...)` (its OpenAPI routes go with it). */
export const resource = (): App => new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
