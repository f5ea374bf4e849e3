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
import { camerasRoutes } from './cameras.js';
import { eventsRoutes } from './events.js';
import { sightingActionsRoutes } from './sighting-actions.js';
import { facesRoutes } from './faces.js';
import { galleryTransferRoutes } from './gallery-transfer.js';
import { mountHealth } from './health.js';
import { operatingPoint } from '../recognition/operating-point.js';
import { readManifest } from '../vision/models.js';
import { importsRoutes } from './imports.js';
import { JobRunner } from '../imports/job-runner.js';
import { enrolImages } from '../enrolment/from-images.js';
import { indexRoutes } from './index-routes.js';
import { keysRoutes } from './keys.js';
import { authenticate, corsFor, loopbackHostOnly, plainQueryText, rateLimit, sameOriginWrites } from './middleware.js';
import { keyOffPageUrls } from './page-keys.js';
import { peopleRoutes } from './people.js';
import { securityHeaders } from './security-headers.js';
import { mountRecognition } from './recognition.js';
import { mergeRoutes } from './merge.js';
import { peopleOverviewRoutes } from './people-overview.js';
import { sightingReviewRoutes } from './sighting-review.js';
import { sessionRoutes } from './session.js';
import { whoAmIRoutes } from './whoami.js';
import { webhooksRoutes } from './webhooks.js';
import { mqttRoutes } from './mqtt.js';
import { recognitionHistoryRoutes } from './recognition-history.js';
import { cameraPoliciesRoutes } from './camera-policies.js';
import { securityEventsRoutes } from './security-events.js';

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
  // CSP, no Referer, no framing, nosniff: on every answer, refusals included (security-headers.ts).
  const origins = parseOrigins(deps.config.ALLOWED_ORIGINS);
  app.use('*', securityHeaders(origins.length > 0));
  // Before anything answers: open mode only for loopback names (DNS rebinding), writes only from our own pages (CSRF).
  app.use('*', loopbackHostOnly(deps.auth.mode));
  app.use('/api/*', corsFor(origins), sameOriginWrites(origins));
  // Sign-in and sign-out take no key of their own (the one checked is in the body): answered before authentication.
  app.route('/', sessionRoutes({ auth: deps.auth }));
  for (const p of ['/api/v1/*', '/metrics']) app.use(p, plainQueryText(), authenticate(deps.auth), rateLimit(limiter));

  const { config, store, gallery, galleryService } = deps;
  const authMode = deps.auth.mode;
  const manifest = readManifest(config.EMBEDDING_MODEL);
  mountHealth(app, {
    ...deps,
    database: store,
    authMode,
    faceModels: () => store.faces.countByModel(),
    operatingPoint: () => operatingPoint(manifest, config.MATCH_THRESHOLD ?? manifest?.threshold ?? NaN, gallery.stats().people),
  });
  // One sub-app per resource, each given only what it uses.
  app.route('/', peopleRoutes({ people: store.people, galleryService }));
  const enrolment = { gallery, galleryService };
  app.route(
    '/',
    facesRoutes({
      faces: store.faces,
      people: store.people,
      galleryService,
      enrolImages: (name, images, choices) =>
        enrolImages({ config, scheduler: deps.scheduler, policy: deps.policy, enrolment }, name, images, 'interactive', () => {}, {
          ...choices,
          describeFaces: true,
        }),
      config,
      model: manifest,
    }),
  );
  mountRecognition(app, deps);
  app.route('/', importsRoutes({ jobs, config: deps.config }));
  app.route('/', galleryTransferRoutes({ transfer: store.transfer, galleryService, model: deps.analyzer, config, log: deps.log }));
  app.route('/', eventsRoutes({ events: store.events, log: deps.log }));
  app.route('/', sightingActionsRoutes({ galleryService }));
  app.route('/', indexRoutes({ gallery, galleryService, faces: store.faces, config, model: manifest }));
  app.route('/', keysRoutes({ keys: store.keys }));
  app.route('/', whoAmIRoutes({ authMode }));
  app.route('/', mergeRoutes({ galleryService }));
  app.route('/', peopleOverviewRoutes({ people: store.people, model: manifest }));
  app.route('/', sightingReviewRoutes({ sightings: store.sightings, config }));
  const outbound = { integrations: store.integrations, outbox: store.outbox, outbound: deps.outbound };
  app.route('/', webhooksRoutes({ ...outbound, attendance: store.attendanceSummary }));
  app.route('/', mqttRoutes(outbound));
  app.route('/', recognitionHistoryRoutes({ recognitions: store.recognitions, galleryService, undoMs: config.RECOGNITIONS_UNDO_MS }));
  if (deps.cameras) app.route('/', camerasRoutes({ cameras: store.cameras, control: deps.cameras, policies: deps.cameraPolicies }));
  if (deps.cameraPolicies) {
    app.route('/', cameraPoliciesRoutes({ policies: deps.cameraPolicies, cameras: store.cameras, seen: deps.seenCameras ?? (() => []) }));
  }
  app.route('/', securityEventsRoutes({ securityEvents: store.securityEvents }));
  mountDocs(app, { version: deps.version, authMode });

  app.use('*', keyOffPageUrls());
  app.get('/enrol', (c) => c.redirect('/enrol.html'));
  app.use('/*', serveStatic({ root: deps.publicDir }));

  app.notFound(notFoundHandler);
  app.onError(errorHandler(deps.log));
  return { app, jobs, close: () => jobs.close() };
}
