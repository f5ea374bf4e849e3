// The Hono app: middleware order (Host, CORS and cross-site writes, query text, auth, rate limit), one module per REST resource, docs, and the browser client's files.
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, Next } from 'hono';
import { serveStatic } from '@hono/node-server/serve-static';
import { requestId, type RequestIdVariables } from 'hono/request-id';
import { parseOrigins } from '../auth/mode.js';
import { createRateLimiter } from '../auth/rate-limit.js';
import type { App, AppEnv, HttpDeps } from './context.js';
import { mountDocs } from './docs.js';
import { errorHandler, notFoundHandler, validationHook } from './errors.js';
import { mountEvents } from './events.js';
import { mountSightingActions } from './sighting-actions.js';
import { mountFaces } from './faces.js';
import { mountGalleryTransfer } from './gallery-transfer.js';
import { mountHealth } from './health.js';
import { mountImports } from './imports.js';
import { JobRunner } from '../imports/job-runner.js';
import { mountIndex } from './index-routes.js';
import { mountKeys } from './keys.js';
import { authenticate, corsFor, loopbackHostOnly, plainQueryText, rateLimit, sameOriginWrites } from './middleware.js';
import { mountPeople } from './people.js';
import { mountRecognition } from './recognition.js';
import { mountMerge } from './merge.js';
import { mountPeopleOverview } from './people-overview.js';
import { mountSightingReview } from './sighting-review.js';
import { mountWhoAmI } from './whoami.js';

export type { HttpDeps } from './context.js';

export interface HttpApp {
  app: App;
  jobs: JobRunner;
  /** Stops background imports. */
  close(): Promise<void>;
}

export function createHttpApp(deps: HttpDeps): HttpApp {
  const app: App = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const jobs = new JobRunner(deps);
  // Jobs a previous process left unfinished: resumed, or failed with the reason.
  void jobs.recover();
  const limiter = createRateLimiter(deps.config.RATE_LIMIT_PER_MINUTE);

  // Every line logged while a request runs, its error included, carries the id it is answered with (X-Request-Id).
  app.use('*', requestId(), (c: Context<{ Variables: RequestIdVariables }>, next: Next) => deps.log.scope({ request: c.var.requestId }, next));
  const origins = parseOrigins(deps.config.ALLOWED_ORIGINS);
  // Before anything answers: open mode only for loopback names (DNS rebinding), writes only from our own pages (CSRF).
  app.use('*', loopbackHostOnly(deps.auth.mode));
  app.use('/api/*', corsFor(origins), sameOriginWrites(origins));
  for (const p of ['/api/v1/*', '/metrics']) app.use(p, plainQueryText(), authenticate(deps.auth), rateLimit(limiter));

  mountHealth(app, deps);
  mountPeople(app, deps);
  mountFaces(app, deps);
  mountRecognition(app, deps);
  mountImports(app, deps, jobs);
  mountGalleryTransfer(app, deps);
  mountEvents(app, deps);
  mountSightingActions(app, deps);
  mountIndex(app, deps);
  mountKeys(app, deps);
  mountWhoAmI(app, deps);
  mountMerge(app, deps);
  mountPeopleOverview(app, deps);
  mountSightingReview(app, deps);
  mountDocs(app, deps);

  app.get('/enrol', (c) => c.redirect('/enrol.html'));
  app.use('/*', serveStatic({ root: deps.publicDir }));

  app.notFound(notFoundHandler);
  app.onError(errorHandler(deps.log));
  return { app, jobs, close: () => jobs.close() };
}
