// Liveness (/health), readiness (/ready: models loaded, database reachable) and Prometheus metrics (/metrics).
import { createRoute, z } from '@hono/zod-openapi';
import { Counter, Gauge, PROMETHEUS_CONTENT_TYPE } from '../metrics.js';
import type { AuthMode } from '../auth/mode.js';
import type { Gallery } from '../gallery/gallery.js';
import type { GalleryService } from '../gallery/service.js';
import type { Registry } from '../metrics.js';
import type { Store } from '../store/types.js';
import type { FaceAnalyzer } from '../vision/analyzer.js';
import type { AnalyzerScheduler } from '../vision/scheduler.js';
import type { OperatingPoint as OperatingPointValue } from '../recognition/operating-point.js';
import type { App } from './context.js';
import { secured } from './schemas.js';

export interface HealthDeps {
  metrics: Registry;
  gallery: Pick<Gallery, 'stats'>;
  scheduler: Pick<AnalyzerScheduler, 'stats' | 'steps'>;
  analyzer: Pick<FaceAnalyzer, 'backend' | 'tfVersion' | 'models' | 'modelId'>;
  database: Pick<Store, 'kind' | 'ping'>;
  authMode: AuthMode;
  version: string;
  startedAt: Date;
  sessions: () => number;
  /** The inference threads configured, ready, still loading and failed (compose/inference.ts); absent in tests that give models. */
  inferenceThreads?: () => { configured: number; ready: number; loading: number; failed: number };
  /** Where this server is in the gallery's change log (gallery/sync.ts). */
  galleryService?: Pick<GalleryService, 'syncStats'>;
  /** The threshold and the estimated stranger rate for the gallery as it is now (recognition/operating-point.ts). */
  operatingPoint: () => OperatingPointValue;
  /** Stored faces by the model that made their embedding (store/faces-repo.ts countByModel); absent in tests. */
  faceModels?: () => Promise<{ modelId: string; faces: number }[]>;
}

/** /health is a liveness probe, so it never waits on the database longer than this for the faces by model... */
const FACE_MODELS_WAIT_MS = 250;
/**
 * ...and reads them at most this often (a count over every face: at a million faces, not on every poll of a status
 * page); older counts are not shown (null) when the database does not answer.
 */
const FACE_MODELS_MAX_AGE_MS = 30_000;

function cachedFaceModels(read: () => Promise<{ modelId: string; faces: number }[]>) {
  let last: { at: number; value: { modelId: string; faces: number }[] } | null = null;
  let pending: Promise<void> | null = null;
  const fresh = () => (last && Date.now() - last.at < FACE_MODELS_MAX_AGE_MS ? last.value : null);
  return async () => {
    if (fresh()) return fresh();
    pending ??= read()
      .then((value) => void (last = { at: Date.now(), value }))
      .catch(() => {}) // the database is down: /ready says so; /health stays alive and shows null
      .finally(() => (pending = null));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([pending, new Promise((r) => (timer = setTimeout(r, FACE_MODELS_WAIT_MS)))]);
    clearTimeout(timer);
    return fresh();
  };
}

const ConditionRate = z.object({
  condition: z.string().openapi({ description: 'Image condition measured: clean, jpeg50, tight, tight112, tight80, blur.' }),
  accepted: z.number().int().openapi({ description: 'Comparisons at or above the threshold.' }),
  estimate: z.number().openapi({ description: 'Share of strangers a gallery of the current size names (0..1).' }),
  upper95: z.number().openapi({ description: '95% upper bound (rule of three when none was accepted).' }),
});
const OperatingPoint = z
  .object({
    threshold: z.number(),
    thresholdFrom: z.enum(['model', 'MATCH_THRESHOLD']),
    fpirTarget: z.number().nullable().openapi({ description: "The share of strangers named the model's threshold was chosen for." }),
    calibrationGalleryPeople: z.number().int().nullable().openapi({ description: 'Gallery size (people) the threshold was chosen with.' }),
    galleryPeople: z.number().int(),
    strangerRate: z
      .object({
        basis: z.string().openapi({ description: 'What the estimate is computed from.' }),
        comparisons: z.number().int(),
        templatesPerPerson: z.number().int(),
        clean: ConditionRate.nullable(),
        worst: ConditionRate,
        conditions: z.array(ConditionRate),
      })
      .nullable()
      .openapi({ description: 'null when no measurement fits the running model and threshold (see note).' }),
    note: z.string().openapi({ description: 'The estimate in one sentence, or why there is none.' }),
  })
  .openapi('OperatingPoint');

/** On the root app: its request counter sees every request, not only this module's routes. */
export function mountHealth(app: App, deps: HealthDeps): void {
  const faceModels = deps.faceModels ? cachedFaceModels(deps.faceModels) : null;
  const { metrics: registry, gallery, scheduler } = deps;
  registry.add(new Gauge('facestream_sessions', 'Open camera WebSocket sessions.', () => deps.sessions()));
  registry.add(new Gauge('facestream_gallery_people', 'People in the search index.', () => gallery.stats().people));
  registry.add(new Gauge('facestream_gallery_faces', 'Face embeddings in the search index.', () => gallery.stats().faces));
  const sync = deps.galleryService;
  if (sync) {
    registry.add(
      new Gauge('facestream_gallery_changelog_applied_seq', 'Last gallery change-log sequence applied to the index here.', () => sync.syncStats().applied),
    );
    registry.add(
      new Gauge(
        'facestream_gallery_changes_applied',
        'Gallery changes applied to the index one by one since start (here and from other servers).',
        () => sync.syncStats().changesApplied,
      ),
    );
    registry.add(
      new Gauge(
        'facestream_gallery_full_reloads',
        'Full rebuilds of the index the change log asked for since start (behind the retained log, or a rebuild request).',
        () => sync.syncStats().fullReloads,
      ),
    );
  }
  registry.add(
    new Gauge(
      'facestream_inference_waiting',
      'Inference steps waiting for the model, by priority.',
      () => Object.entries(scheduler.stats().waiting).map(([priority, n]) => [{ priority }, n]),
      ['priority'],
    ),
  );
  const requests = registry.add(new Counter('facestream_http_requests_total', 'HTTP requests answered, by method and status.', ['method', 'status']));
  const errors = registry.add(new Counter('facestream_http_errors_total', 'REST error responses, by error code.', ['code']));
  app.use('*', async (c, next) => {
    await next();
    requests.inc({ method: c.req.method, status: String(c.res.status) });
    // Error bodies are small JSON ({ error: { code } }): the code is read off a copy instead of wiring metrics into every route.
    if (c.res.status >= 400 && c.res.headers.get('content-type')?.startsWith('application/json')) {
      const body = (await c.res
        .clone()
        .json()
        .catch(() => null)) as { error?: { code?: unknown } } | null;
      if (typeof body?.error?.code === 'string') errors.inc({ code: body.error.code });
    }
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/health',
      tags: ['ops'],
      summary: 'Liveness and what is running',
      description:
        "Public. Backend, models, gallery size and index backend, the stored faces by the model that embedded them (`gallery.facesByModel`, null when the database does not answer within 250 ms; only `inference.embeddingModel`'s are searched), database kind, sessions, and the operating point: the match threshold with the share of strangers it is estimated to name at the current gallery size.",
      responses: {
        200: {
          description: 'Alive',
          content: { 'application/json': { schema: z.object({ status: z.literal('ok'), operatingPoint: OperatingPoint }).passthrough() } },
        },
      },
    }),
    async (c) =>
      c.json(
        {
          status: 'ok' as const,
          version: deps.version,
          uptimeSeconds: Math.round((Date.now() - deps.startedAt.getTime()) / 1000),
          inference: {
            backend: deps.analyzer.backend,
            tfjs: deps.analyzer.tfVersion,
            models: deps.analyzer.models,
            embeddingModel: deps.analyzer.modelId,
            sessionsPerWorker: scheduler.stats().sessionsPerSlot,
            stepsPerWorker: scheduler.steps(),
            threads: deps.inferenceThreads?.() ?? null,
          },
          gallery: { ...deps.gallery.stats(), facesByModel: faceModels ? await faceModels() : null },
          operatingPoint: deps.operatingPoint(),
          database: deps.database.kind,
          auth: deps.authMode,
          sessions: deps.sessions(),
        },
        200,
      ),
  );

  const Ready = z.object({ ready: z.boolean(), reason: z.string().optional() });
  app.openapi(
    createRoute({
      method: 'get',
      path: '/ready',
      tags: ['ops'],
      summary: 'Readiness',
      description: 'Public. 200 when the models are loaded and the database answers, else 503.',
      responses: {
        200: { description: 'Ready', content: { 'application/json': { schema: Ready } } },
        503: { description: 'Not ready', content: { 'application/json': { schema: Ready } } },
      },
    }),
    async (c) => {
      if (!deps.analyzer.modelId) return c.json({ ready: false, reason: 'models not loaded' }, 503);
      try {
        await deps.database.ping();
        return c.json({ ready: true }, 200);
      } catch (err) {
        return c.json({ ready: false, reason: `database unreachable: ${err instanceof Error ? err.message : String(err)}` }, 503);
      }
    },
  );

  app.openapi(
    secured('viewer', {
      method: 'get',
      path: '/metrics',
      tags: ['ops'],
      summary: 'Prometheus metrics',
      description:
        'Frames, per-stage latency histograms (queue, decode, detect, embed, total), sessions, drops, gallery size, HTTP requests, recognitions, enrolments, refusals by gate, errors by code, process metrics.',
      responses: { 200: { description: 'Text format 0.0.4', content: { 'text/plain': { schema: z.string() } } } },
    }),
    async (c) => c.body(await registry.render(), 200, { 'Content-Type': PROMETHEUS_CONTENT_TYPE }) as never,
  );
}
