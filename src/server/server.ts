// Builds and starts the whole server from a config: store, models, gallery, HTTP and the WebSocket gateway, each part
// opened by a step (compose/) and pushed on a stack that closes them in reverse. main.ts calls it for the real process;
// integration tests call it on port 0.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock, type CheckInService, type Clock } from './attendance/checkins.js';
import type { SightingRecorder } from './attendance/sightings.js';
import type { SecurityEventRecorder } from './attendance/security-events.js';
import { CameraPolicies } from './recognition/camera-policies.js';
import type { Outbound } from './outbound/outbound.js';
import type { Config } from './config.js';
import type { Gallery } from './gallery/gallery.js';
import type { IndexFactory } from './gallery/vector-index.js';
import type { Gateway } from './gateway/gateway.js';
import type { Session, SessionDeps } from './gateway/session.js';
import { CameraManager } from './cameras/manager.js';
import { createHttpApp, type HttpApp } from './http/app.js';
import { createAuthenticator } from './auth/authenticate.js';
import { parseOrigins, resolveAuthMode } from './auth/mode.js';
import type { GalleryService } from './gallery/service.js';
import type { EventBus } from './events/bus.js';
import { createLocalBus } from './events/local-bus.js';
import { createPgBus } from './events/pg-bus.js';
import { LiveMetrics, Registry } from './metrics.js';
import { createScheduler } from './vision/scheduler.js';
import type { Logger } from './log.js';
import { openStore } from './store/db.js';
import { crashAt } from './crash-points.js';
import type { Store } from './store/types.js';
import type { FaceAnalyzer } from './vision/analyzer.js';
import { resolveModel } from './vision/models.js';
import { matchPolicyOf } from './recognition/match-policy.js';
import { openAttendance, openCameraWatch } from './compose/attendance.js';
import { openGallery, openGalleryService, reembedStaleFaces } from './compose/gallery.js';
import { openInference, type Inference } from './compose/inference.js';
import { openListener } from './compose/listener.js';
import { openOutbound } from './compose/outbound.js';
import { Stack } from './compose/stack.js';

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

export async function startServer(config: Config, opts: StartOptions): Promise<RunningServer> {
  const { log } = opts;
  const startedAt = new Date();
  const crash = crashAt(config.TEST_CRASH_AT);
  // Every part is pushed as it opens; close() and a failed start pop them, last opened first (compose/stack.ts).
  const stack = new Stack(log, config.SHUTDOWN_TIMEOUT_MS);
  let inferenceLoading: Promise<Inference> | undefined;
  try {
    // The models take longest and need nothing else: they start loading before the database opens.
    inferenceLoading = openInference({ config, log, analyzer: opts.analyzer, warmUpPhoto: path.join(ROOT, 'models', 'warmup.jpg') });
    inferenceLoading.catch(() => {}); // awaited below; a failure then fails the start
    const store = await stack.open('store', () => openStore({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, log: (m) => log.info(m), crash }));
    // The gallery loads (its saved index, or every embedding) while the models load: neither waits for the other.
    const galleryDeps = { config, store, log, indexFactory: opts.indexFactory };
    const planned = opts.analyzer ? { id: opts.analyzer.modelId, dims: opts.analyzer.dims } : resolveModel(config.EMBEDDING_MODEL).manifest;
    const [inference, loaded] = await stack.openTogether<[Inference, Gallery]>([
      ['inference', inferenceLoading],
      ['gallery', openGallery(galleryDeps, planned.id, planned.dims)],
    ]);
    const { analyzer, workers } = inference;
    const reembedded = await reembedStaleFaces(store, analyzer, log);
    log.info('embedding model', { model: analyzer.modelId, matchThreshold: config.MATCH_THRESHOLD });
    // One rule names a face everywhere: live frames, REST identify and compare, enrolment's duplicate check.
    const policy = matchPolicyOf(config);
    let gallery = loaded;
    // The model's manifest named the gallery's model before the model loaded; a model that reports otherwise gets its own.
    if (gallery.stats().modelId !== analyzer.modelId || gallery.stats().dims !== analyzer.dims) {
      await stack.closeTop('gallery');
      gallery = await stack.open('gallery', () => openGallery(galleryDeps, analyzer.modelId, analyzer.dims));
    }
    // Faces re-embedded into this model while the gallery loaded: read again.
    else if (reembedded) await gallery.reload();
    log.info('gallery loaded', { ...gallery.stats() });

    // Other servers on the same PostgreSQL hear of every gallery change and check-in, and this one of theirs.
    const bus = await stack.open('bus', () => (store.channels ? createPgBus({ channels: store.channels, log }) : createLocalBus(log)));
    const galleryService = await stack.open('gallery service', () =>
      openGalleryService({ config, store, gallery, bus, modelId: analyzer.modelId, crash, log }),
    );
    // The camera sockets open (the gateway, below); the parts built before it reach them through this set.
    const live = new Set<Session>();
    // Sessions re-vote whenever the gallery changed, here or on another server; server-pulled cameras are told by the
    // camera manager (below).
    galleryService.onChanged((s) => live.forEach((session) => session.galleryChanged(s.people, s.faces)));
    bus.on('checkin.recorded', ({ checkin }) => live.forEach((s) => s.deliverCheckIn(checkin)));
    bus.on('checkin.already', ({ checkin, camera }) => live.forEach((s) => s.deliverAlreadyCheckedIn(checkin, camera)));
    // Live frames before REST calls before bulk imports, one inference at a time.
    // With two workers, bulk imports get their own thread and core; live frames and REST calls share the first.
    const scheduler = createScheduler(workers.length > 0 ? workers : [analyzer], {
      interactive: config.INFERENCE_QUEUE_REST,
      bulk: config.INFERENCE_QUEUE_IMPORT,
    });
    const metrics = new Registry();
    const clock = opts.clock ?? systemClock;
    const cameraWatch = await stack.open('camera watch', () => openCameraWatch(config, bus, clock));
    const outbound = await stack.open('outbound', () =>
      openOutbound({ config, store, bus, log, clock, metrics, version: VERSION, cameras: () => cameraWatch.list().map((c) => c.camera) }),
    );
    const keys = store.keys;
    const auth = createAuthenticator(resolveAuthMode(config), keys, { failuresPerMinute: config.AUTH_FAILURES_PER_MINUTE });
    const { checkins, sightings, history, security } = await stack.open('attendance', () =>
      openAttendance({ config, store, bus, outbound, metrics, clock, log, modelId: analyzer.modelId }),
    );
    // Which cameras must find a face live before naming it: their own policy, else RECOGNITION_REQUIRE_LIVE.
    const cameraPolicies = new CameraPolicies({
      repo: store.cameraPolicies,
      defaultRequireLive: config.RECOGNITION_REQUIRE_LIVE,
      onChanged: () => void bus.publish({ type: 'camera.policies.changed' }),
    });
    await stack.open('camera policies', async () => {
      await cameraPolicies.reload();
      const unsubscribe = bus.on('camera.policies.changed', (_e, origin) => {
        if (origin.remote) void cameraPolicies.reload().catch((err) => log.warn('reading camera policies failed', { error: String(err) }));
      });
      return { close: unsubscribe };
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
        onRecognized: (recognition) => void bus.publish({ type: 'recognition', recognition }),
      },
    };
    // Frames, drops, stage times and recognitions of every camera, socket or server-pulled, in /metrics.
    const liveMetrics = new LiveMetrics(metrics);
    // Closed before the check-ins are flushed: a camera's frame in progress may still record one.
    const cameras = await stack.open(
      'cameras',
      () =>
        new CameraManager({
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
        }),
    );
    galleryService.onChanged((s) => cameras.galleryChanged(s.people, s.faces));
    const http = await stack.open('http', () =>
      createHttpApp({
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
        sessions: () => live.size,
        inferenceThreads: () => inference.threads(),
        outbound,
        cameras,
        cameraPolicies,
        seenCameras: () => cameraWatch.list().map((c) => c.camera),
      }),
    );
    const { url, port, gateway } = await stack.open('listener', () =>
      openListener({
        config,
        app: http.app,
        session: sessionDeps,
        access: {
          auth,
          allowedOrigins: parseOrigins(config.ALLOWED_ORIGINS),
          metrics: liveMetrics,
          activeKeys: (ids) => keys.activeIds(ids),
          keyRecheckMs: config.KEY_RECHECK_MS,
        },
        live,
      }),
    );
    // Cameras start once the server answers: a camera that fails says so in its status, it never fails the start.
    await cameras.start();
    // The other inference threads load now, and take frames as each one joins.
    inference.startRest((worker) => scheduler.addAnalyzer(worker));
    return {
      url,
      port,
      store,
      gallery,
      galleryService,
      bus,
      analyzer,
      gateway,
      app: http.app,
      checkins,
      sightings,
      security,
      cameraPolicies,
      outbound,
      cameras,
      close: () => stack.close(),
    };
  } catch (err) {
    // Whatever opened before the failure closes (the database's lock is released: a second start can take it).
    log.warn('start failed: closing what had opened', { opened: stack.opened(), error: err instanceof Error ? err.message : String(err) });
    // Models still loading when the database failed to open are not on the stack yet: closed once they have loaded.
    const stray = stack.opened().includes('inference') ? undefined : inferenceLoading;
    await stack.close().catch(() => {});
    await stray?.then((i) => i.close()).catch(() => {});
    throw err;
  }
}
