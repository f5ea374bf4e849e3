// What every REST resource module gets: the server's parts (HttpDeps) and the request variables (the caller).
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Authenticator } from '../auth/authenticate.js';
import type { Principal } from '../auth/keys.js';
import type { Config } from '../config.js';
import type { Gallery } from '../gallery/gallery.js';
import type { GalleryEvent, GallerySync } from '../gallery/sync.js';
import type { Logger } from '../log.js';
import type { MatchPolicy } from '../recognition/match-policy.js';
import type { Registry } from '../metrics.js';
import type { Store } from '../store/types.js';
import type { FaceAnalyzer } from '../vision/analyzer.js';
import type { AnalyzerScheduler } from '../vision/scheduler.js';

export interface HttpDeps {
  config: Config;
  store: Store;
  gallery: Gallery;
  analyzer: FaceAnalyzer;
  /** Inference with priorities: REST calls run as interactive, imports as bulk, behind live frames. */
  scheduler: AnalyzerScheduler;
  auth: Authenticator;
  /** Who a face is: REST identify, compare and enrolment's duplicate check decide as live frames do. */
  policy: MatchPolicy;
  metrics: Registry;
  sync: GallerySync;
  log: Logger;
  version: string;
  startedAt: Date;
  publicDir: string;
  sessions: () => number;
  /** Tells every live session of this server that the gallery changed. */
  onGalleryChanged: () => void;
}

export type AppEnv = { Variables: { principal: Principal } };
export type App = OpenAPIHono<AppEnv>;

/** After a change made through the API: this server's sessions re-vote, and every other server on the database follows. */
export async function galleryChanged(deps: HttpDeps, event: GalleryEvent): Promise<void> {
  deps.onGalleryChanged();
  await deps.sync.publish(event);
}
