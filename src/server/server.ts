// Builds and starts the whole server from a config: store, models, gallery, HTTP and the WebSocket gateway.
// main.ts calls it for the real process; integration tests call it on port 0.
import { getRequestListener } from '@hono/node-server';
import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CheckInService, systemClock, type Clock } from './attendance/checkins.js';
import { SightingRecorder, startSightingRetention } from './attendance/sightings.js';
import { CameraWatch } from './attendance/camera-watch.js';
import { RecognitionRecorder } from './attendance/recognition-history.js';
import { SecurityEventRecorder } from './attendance/security-events.js';
import { CameraPolicies } from './recognition/camera-policies.js';
import { Outbound } from './outbound/outbound.js';
import type { Config } from './config.js';
import { createGallery, type Gallery } from './gallery/gallery.js';
import { defaultIndexFactory, type IndexFactory } from './gallery/vector-index.js';
import { attachGateway, type Gateway } from './gateway/gateway.js';
import type { SessionDeps } from './gateway/session.js';
import { CameraManager } from './cameras/manager.js';
import { createHttpApp, type HttpApp } from './http/app.js';
import { loadTls } from './tls.js';
import { createAuthenticator } from './auth/authenticate.js';
import { parseOrigins, resolveAuthMode } from './auth/mode.js';
import { createGalleryService, type GalleryService } from './gallery/service.js';
import type { EventBus } from './events/bus.js';
import { createLocalBus } from './events/local-bus.js';
import { createPgBus } from './events/pg-bus.js';
import { EventMetrics, LiveMetrics, OutboundMetrics, Registry } from './metrics.js';
import { createScheduler } from './vision/scheduler.js';
import { createWorkerAnalyzer, type WorkerAnalyzer } from './vision/worker/worker-analyzer.js';
import type { Logger } from './log.js';
import { MEMORY, openStore } from './store/db.js';
import { crashAt } from './crash-points.js';
import type { Store } from './store/types.js';
import { createFaceAnalyzer, warmUp, type FaceAnalyzer, type ModelAnalyzer } from './vision/analyzer.js';
import { resolveModel } from './vision/models.js';
import { reembedGallery } from './gallery/reembed.js';
import { matchPolicyOf } from './recognition/match-policy.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const VERSION: string = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;

export interface RunningServer {
  url: string;
  port: number;
  store: Store;
  gallery: Gallery;
  /** Every write of faces and people (tests write through it too). */
  galleryService: GalleryService;
  /** Gallery changes and check-ins, here and (on PostgreSQL) from the other servers. */
  bus: EventBus;
  analyzer: FaceAnalyzer;
  gateway: Gateway;
  /** The Hono app, for in-process requests (`app.request()`) in tests. */
  app: HttpApp['app'];
  /** Attendance check-ins; null when CHECKINS_ENABLED is false. */
  checkins: CheckInService | null;
  sightings: SightingRecorder;
  /** Presentation attacks refused, stored as security events. */
  security: SecurityEventRecorder;
  /** Per-camera policy: which cameras require liveness. */
  cameraPolicies: CameraPolicies;
  /** Webhooks and MQTT: the outbox and its dispatcher. */
  outbound: Outbound;
  /** Server-pulled cameras (RTSP, MJPEG over HTTP, local devices). */
  cameras: CameraManager;
  close(): Promise<void>;
}

export interface StartOptions {
  log: Logger;
  /** Reuse already loaded models (tests restart the server without reloading them). */
  analyzer?: FaceAnalyzer;
  indexFactory?: IndexFactory;
  /** Clock for check-ins and sightings (ms since epoch); tests move it. */
  clock?: Clock;
}

/** Where the gallery index is saved; null when it is not (GALLERY_INDEX_DIR=off, or an in-memory database). */
function galleryIndexDir(config: Config): string | null {
  if (config.GALLERY_INDEX_DIR === 'off') return null;
  if (config.GALLERY_INDEX_DIR) return config.GALLERY_INDEX_DIR;
  return config.DATA_DIR === MEMORY ? null : path.join(config.DATA_DIR, 'gallery-index');
}

export async function startServer(config: Config, opts: StartOptions): Promise<RunningServer> {
  const { log } = opts;
  const startedAt = new Date();
  const crash = crashAt(config.TEST_CRASH_AT);
  const store = await openStore({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, log: (m) => log.info(m), crash });
  let bus: EventBus | undefined;
  const workers: WorkerAnalyzer[] = [];
  try {
    const t0 = performance.now();
    // The gallery loads (its saved index, or every embedding) while the models load: neither waits for the other.
    const ann = {
      minFaces: config.GALLERY_ANN_MIN_FACES,
      kind: config.GALLERY_ANN,
      nprobe: config.GALLERY_IVF_NPROBE,
      efSearch: config.GALLERY_HNSW_EF_SEARCH,
    };
    const indexDir = galleryIndexDir(config);
    const openGallery = (modelId: string, dims: number) =>
      createGallery({
        store,
        modelId,
        dims,
        indexFactory: opts.indexFactory ?? defaultIndexFactory(ann),
        changeHead: () => store.changes.head(),
        onRebuildError: (err) => log.error('gallery: rebuilding the outgrown index failed; it keeps serving the old one', { error: String(err) }),
        persist: indexDir
          ? {
              dir: indexDir,
              // Until openStore() offers this repository itself (issue 12: the store is being sealed behind repositories).
              listFaceRefs: (m) => store.snapshot.faceRefs(m),
              saveDelayMs: config.GALLERY_INDEX_SAVE_DELAY_MS,
              log,
            }
          : undefined,
      });
    const planned = opts.analyzer ? { id: opts.analyzer.modelId, dims: opts.analyzer.dims } : resolveModel(config.EMBEDDING_MODEL).manifest;
    const galleryLoading = openGallery(planned.id, planned.dims);
    galleryLoading.catch(() => {}); // awaited below, after the models; a failure then fails the start
    if (!opts.analyzer && config.INFERENCE_WORKERS > 0) {
      const init = {
        TF_BACKEND: config.TF_BACKEND,
        DETECT_MIN_CONFIDENCE: config.DETECT_MIN_CONFIDENCE,
        MAX_FACES: config.MAX_FACES,
        LIVE_DETECTOR: config.LIVE_DETECTOR,
        EMBED_RUNTIME: config.EMBED_RUNTIME,
        modelId: config.EMBEDDING_MODEL,
      };
      workers.push(
        ...(await Promise.all(
          Array.from({ length: config.INFERENCE_WORKERS }, () => createWorkerAnalyzer(init, (m) => log.error(m), { deadlineMs: config.INFERENCE_DEADLINE_MS })),
        )),
      );
    }
    const analyzer = opts.analyzer ?? workers[0] ?? (await createFaceAnalyzer(config, (m) => log.warn(m), { model: resolveModel(config.EMBEDDING_MODEL) }));
    if (!opts.analyzer) {
      const sample = fs.readFileSync(path.join(ROOT, 'models', 'warmup.jpg'));
      const warm = Math.max(...(await Promise.all((workers.length > 0 ? workers : [analyzer]).map((a) => warmUp(a, sample)))));
      log.info('models ready', {
        backend: analyzer.backend,
        tfjs: analyzer.tfVersion,
        models: analyzer.models,
        inferenceWorkers: workers.length,
        loadMs: Math.round(performance.now() - t0),
        warmUpMs: Math.round(warm),
      });
    }
    const stale = await store.countFacesNotFromModel(analyzer.modelId);
    // A gallery is only ever searched with one model: faces of another are re-embedded from their crops, or refused (logged).
    const embedChips = (analyzer as Partial<ModelAnalyzer>).embedChips;
    const reembedding = stale > 0 && embedChips !== undefined;
    if (reembedding) await reembedGallery({ store, model: (analyzer as ModelAnalyzer).manifest, embedChips, log });
    else if (stale > 0) log.warn(`${stale} stored faces were embedded by another model and are not searched; re-enrol them`, { model: analyzer.modelId });
    log.info('embedding model', { model: analyzer.modelId, matchThreshold: config.MATCH_THRESHOLD });
    // One rule names a face everywhere: live frames, REST identify and compare, enrolment's duplicate check.
    const policy = matchPolicyOf(config);
    let gallery = await galleryLoading;
    // The model's manifest named the gallery's model before the model loaded; a model that reports otherwise gets its own.
    if (gallery.stats().modelId !== analyzer.modelId || gallery.stats().dims !== analyzer.dims) gallery = await openGallery(analyzer.modelId, analyzer.dims);
    // Faces re-embedded into this model while the gallery loaded: read again.
    else if (reembedding) await gallery.reload();
    log.info('gallery loaded', { ...gallery.stats() });

    // Assigned once, below: the callbacks defined before it (gallery changes, check-ins) read it when they run.
    // eslint-disable-next-line prefer-const
    let gateway: Gateway | undefined;
    // Other servers on the same PostgreSQL hear of every gallery change and check-in, and this one of theirs.
    bus = store.channels ? await createPgBus({ channels: store.channels, log }) : createLocalBus(log);
    const eventBus = bus;
    const galleryService = createGalleryService({
      store,
      gallery,
      bus: eventBus,
      modelId: analyzer.modelId,
      crash,
      log,
      settings: {
        importBatchPeople: config.GALLERY_IMPORT_BATCH_PEOPLE,
        changelogKeep: config.GALLERY_CHANGELOG_KEEP,
        syncPollMs: config.GALLERY_SYNC_POLL_MS,
      },
    });
    // Sessions re-vote whenever the gallery changed, here or on another server.
    galleryService.onChanged((s) => {
      gateway?.broadcastGalleryChanged(s.people, s.faces);
      cameras.galleryChanged(s.people, s.faces);
    });
    eventBus.on('checkin.recorded', ({ checkin }) => gateway?.sessions().forEach((s) => s.deliverCheckIn(checkin)));
    eventBus.on('checkin.already', ({ checkin, camera }) => gateway?.sessions().forEach((s) => s.deliverAlreadyCheckedIn(checkin, camera)));
    // Live frames before REST calls before bulk imports, one inference at a time.
    // With two workers, bulk imports get their own thread and core; live frames and REST calls share the first.
    const scheduler = createScheduler(workers.length > 0 ? workers : [analyzer], {
      interactive: config.INFERENCE_QUEUE_REST,
      bulk: config.INFERENCE_QUEUE_IMPORT,
    });
    const metrics = new Registry();
    const events = new EventMetrics(metrics);
    const clock = opts.clock ?? systemClock;
    const cameraWatch = new CameraWatch({
      downAfterMs: config.CAMERA_DOWN_AFTER_MS,
      clock,
      onDown: (camera, lastFrameAt) => void eventBus.publish({ type: 'camera.down', camera, lastFrameAt, at: clock() }),
      onUp: (camera) => void eventBus.publish({ type: 'camera.up', camera, at: clock() }),
    });
    // Read at scrape time, by then `outbound` exists.
    const outboundMetrics = new OutboundMetrics(metrics, () => outbound.dispatcher.pending);
    const outbound = new Outbound({
      outbox: store.outbox,
      integrations: store.integrations,
      people: async () => (await store.listPeople()).map((p) => ({ id: p.id, name: p.name })),
      cameras: () => cameraWatch.list().map((c) => c.camera),
      bus: eventBus,
      log,
      clock,
      version: VERSION,
      singleProcess: store.kind === 'pglite',
      limits: {
        maxPending: config.OUTBOX_MAX_PENDING,
        maxAttempts: config.OUTBOX_MAX_ATTEMPTS,
        maxAgeMs: config.OUTBOX_MAX_AGE_MS,
        retryBaseMs: config.OUTBOX_RETRY_BASE_MS,
        retryMaxMs: config.OUTBOX_RETRY_MAX_MS,
        batch: config.OUTBOX_BATCH,
        pollMs: config.OUTBOX_POLL_MS,
        keepMs: config.OUTBOX_KEEP_MS,
        sendTimeoutMs: config.WEBHOOK_TIMEOUT_MS,
        presenceMs: config.MQTT_PRESENCE_MS,
        reconnectMs: config.MQTT_RECONNECT_MS,
      },
      onResult: (target, result) => outboundMetrics.deliveries.inc({ target, result }),
      onRefused: () => outboundMetrics.refused.inc(),
    });
    await outbound.start();
    const keys = store.keys;
    const auth = createAuthenticator(resolveAuthMode(config), keys, { failuresPerMinute: config.AUTH_FAILURES_PER_MINUTE });
    const checkins = config.CHECKINS_ENABLED
      ? new CheckInService({
          checkIns: store.checkIns,
          cooldownMs: config.CHECKIN_COOLDOWN_MS,
          retryMs: config.CHECKIN_RETRY_MS,
          clock,
          log,
          onCheckIn: (checkin) => {
            events.checkIns.inc();
            void eventBus.publish({ type: 'checkin.recorded', checkin });
          },
          alreadyNoticeMs: config.ALREADY_CHECKED_IN_NOTICE_MS,
          onAlready: (checkin, camera) => void eventBus.publish({ type: 'checkin.already', checkin, camera }),
          outbox: outbound.checkinOutbox(),
        })
      : null;
    const sightings = new SightingRecorder(store.sightings, log, (s) => {
      events.unknownSightings.inc();
      const sighting = { ...s, firstSeenAt: s.firstSeenAt.getTime(), lastSeenAt: s.lastSeenAt.getTime() };
      void eventBus.publish({ type: 'sighting.stored', sighting });
    });
    const retention = startSightingRetention(store.sightings, {
      retentionDays: config.SIGHTINGS_RETENTION_DAYS,
      maxRows: config.SIGHTINGS_MAX_ROWS,
      everyMs: config.SIGHTINGS_PRUNE_EVERY_MS,
      clock,
      log,
    });
    // Presentation attacks refused on a camera that requires liveness: stored once per track, then webhooks and MQTT.
    const security = new SecurityEventRecorder(store.securityEvents, log, clock, (e) => {
      events.securityEvents.inc();
      void eventBus.publish({ type: 'security.stored', event: { ...e, at: e.at.getTime() } });
    });
    const securityRetention = startSightingRetention(store.securityEvents, {
      retentionDays: config.SECURITY_EVENTS_RETENTION_DAYS,
      maxRows: config.SECURITY_EVENTS_MAX_ROWS,
      everyMs: config.SIGHTINGS_PRUNE_EVERY_MS,
      clock,
      log,
      what: 'security events',
    });
    // Which cameras must find a face live before naming it: their own policy, else RECOGNITION_REQUIRE_LIVE.
    const cameraPolicies = new CameraPolicies({
      repo: store.cameraPolicies,
      defaultRequireLive: config.RECOGNITION_REQUIRE_LIVE,
      onChanged: () => void eventBus.publish({ type: 'camera.policies.changed' }),
    });
    await cameraPolicies.reload();
    eventBus.on('camera.policies.changed', (_e, origin) => {
      if (origin.remote) void cameraPolicies.reload().catch((err) => log.warn('reading camera policies failed', { error: String(err) }));
    });
    const history = new RecognitionRecorder(store.recognitions, analyzer.modelId, log);
    const historyRetention = startSightingRetention(store.recognitions, {
      retentionDays: config.RECOGNITIONS_RETENTION_DAYS,
      maxRows: config.RECOGNITIONS_MAX_ROWS,
      dismissedKeepMs: config.RECOGNITIONS_UNDO_MS,
      everyMs: config.SIGHTINGS_PRUNE_EVERY_MS,
      clock,
      log,
      what: 'recognition history',
    });
    // What every camera session gets: browser cameras on the socket and server-pulled cameras alike.
    const sessionDeps: SessionDeps = {
      config,
      analyzer: scheduler.live,
      lanes: (sessionId) => scheduler.lane(sessionId),
      gallery,
      policy,
      cameraPolicies,
      log,
      serverVersion: VERSION,
      enrolment: { galleryService },
      attendance: {
        checkins,
        sightings,
        clock,
        cameras: cameraWatch,
        history,
        security,
        onRecognized: (recognition) => void eventBus.publish({ type: 'recognition', recognition }),
      },
    };
    // Frames, drops, stage times and recognitions of every camera, socket or server-pulled, in /metrics.
    const liveMetrics = new LiveMetrics(metrics);
    const cameras = new CameraManager({
      repo: store.cameras,
      session: sessionDeps,
      observe: (socket) => liveMetrics.observe(socket),
      pull: config.CAMERA_SOURCES,
      log,
      settings: {
        ffmpeg: config.CAMERA_FFMPEG,
        maxFrameBytes: config.CAMERA_MAX_FRAME_BYTES,
        maxWidth: config.CAMERA_MAX_WIDTH,
        reconnectMinMs: config.CAMERA_RECONNECT_MIN_MS,
        reconnectMaxMs: config.CAMERA_RECONNECT_MAX_MS,
        stallMs: config.CAMERA_STALL_MS,
      },
    });
    const http = createHttpApp({
      config,
      scheduler,
      auth,
      metrics,
      store,
      gallery,
      galleryService,
      analyzer,
      policy,
      log,
      version: VERSION,
      startedAt,
      publicDir: path.relative(process.cwd(), path.join(ROOT, 'public')) || '.',
      sessions: () => gateway?.sessions().length ?? 0,
      outbound,
      cameras,
      cameraPolicies,
      seenCameras: () => cameraWatch.list().map((c) => c.camera),
    });
    const tls = loadTls(config);
    const listener = getRequestListener(http.app.fetch);
    const server: Server = tls ? createHttpsServer(tls, listener) : createServer(listener);
    gateway = attachGateway(server, sessionDeps, {
      auth,
      allowedOrigins: parseOrigins(config.ALLOWED_ORIGINS),
      metrics: liveMetrics,
      activeKeys: (ids) => keys.activeIds(ids),
      keyRecheckMs: config.KEY_RECHECK_MS,
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.PORT, config.HOST, () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    const url = `${tls ? 'https' : 'http'}://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${port}`;
    // Cameras start once the server answers: a camera that fails says so in its status, it never fails the start.
    await cameras.start();
    const g = gateway;
    return {
      url,
      port,
      store,
      gallery,
      galleryService,
      bus: eventBus,
      analyzer,
      gateway: g,
      app: http.app,
      checkins,
      sightings,
      security,
      cameraPolicies,
      outbound,
      cameras,
      async close() {
        await http.close();
        await g.close();
        // Before check-ins are flushed: a camera's frame in progress may still record one.
        await cameras.close();
        cameraWatch.stop();
        // Check-ins and sightings already seen are written before the database goes away.
        await Promise.all([
          checkins?.whenIdle(),
          sightings.whenIdle(),
          retention.stop(),
          history.whenIdle(),
          historyRetention.stop(),
          security.whenIdle(),
          securityRetention.stop(),
        ]);
        checkins?.stop();
        // After the check-ins: their events are in the outbox (written with them), and the outbox outlives a restart.
        await outbound.close();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        galleryService.close();
        await eventBus.close();
        await gallery.close();
        await store.close();
        await Promise.all(workers.map((w) => w.close()));
      },
    };
  } catch (err) {
    await bus?.close().catch(() => {});
    await store.close();
    await Promise.all(workers.map((w) => w.close()));
    throw err;
  }
}
