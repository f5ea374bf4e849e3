// Server configuration: one zod schema over the environment. Every bad value is reported at once, then the process exits.
import { z } from 'zod';
import { CRASH_POINTS } from './crash-points.js';

/**
 * The default embedding model: the dlib ResNet fused with MobileFaceNet, the ResNet in int8 on onnxruntime-node (half
 * its CPU; embeddings within cosine 0.999 of the float ones, docs/accuracy.md "The ResNet in int8"). Held out by
 * identity the fusion beats the ResNet alone on every degradation but blur; `EMBEDDING_MODEL=
 * dlib-resnet128.chip150.crop1.25.flip.v1` keeps the ResNet alone.
 */
export const DEFAULT_EMBEDDING_MODEL = 'fusion-resnet128int8-mobilefacenet192.v1';
/** The same networks in float, on either runtime: the default where onnxruntime-node cannot run (load-config.ts). */
export const FLOAT_DEFAULT_MODEL = 'fusion-resnet128-mobilefacenet192.v1';

const int = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max).default(def);
const num = (def: number, min: number, max: number) => z.coerce.number().min(min).max(max).default(def);
const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const ConfigSchema = z.object({
  PORT: int(8090, 0, 65535),
  HOST: z.string().default('127.0.0.1'),
  /** PEM certificate and private key files: both set = https and wss on PORT (`npm run cert` makes a self-signed pair). */
  TLS_CERT: z.string().min(1).optional(),
  TLS_KEY: z.string().min(1).optional(),
  /** PostgreSQL connection string; when unset the embedded PGlite database in DATA_DIR is used. */
  DATABASE_URL: z.string().url().optional(),
  DATA_DIR: z.string().default('./data'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** Inference backend: auto = tfjs-node when it loads, else WASM. */
  TF_BACKEND: z.enum(['auto', 'tensorflow', 'wasm']).default('auto'),
  /** Inference threads: 0 = in the server thread; 1 = one worker thread for all inference; 2 = a second one for bulk imports, so they run beside live frames. */
  INFERENCE_WORKERS: int(2, 0, 2),
  /** REST inference calls (identify, compare, face uploads) that may wait for a slot; past it 503 busy. */
  INFERENCE_QUEUE_REST: int(8, 1, 1000),
  /** Import steps (one image each) that may wait for a slot; past it an import waits and tries again. */
  INFERENCE_QUEUE_IMPORT: int(4, 1, 1000),
  /** Longest one inference call in a worker thread may take before it fails and the thread is restarted, ms. */
  INFERENCE_DEADLINE_MS: int(30_000, 1000, 600_000),
  /** Cosine similarity at or above which a probe matches an enrolled person. Calibrated on ../shared/faces (docs/accuracy.md). */
  /** Unset: the embedding model's calibrated threshold (models/<EMBEDDING_MODEL>/manifest.json), filled in by load-config.ts. */
  MATCH_THRESHOLD: z.coerce.number().min(-1).max(1).optional(),
  /** Embedding model id: a folder of models/ (base pipeline, or base + trained head from `npm run export`). */
  EMBEDDING_MODEL: z.string().min(1).default(DEFAULT_EMBEDDING_MODEL),
  // ---- gallery index (bench/gallery.ts) ----
  /** From this many faces on the gallery searches an approximate FAISS index; below it an exact scan. 0 = always exact. */
  GALLERY_ANN_MIN_FACES: int(10_000, 0),
  /** The approximate index: ivf (inverted lists: builds in seconds, removes in place) or hnsw (a graph: minutes to build at 1M, removals skipped until the next rebuild). */
  GALLERY_ANN: z.enum(['ivf', 'hnsw']).default('ivf'),
  /** IVF lists searched per query: higher = better recall, slower. */
  GALLERY_IVF_NPROBE: int(12, 1, 4096),
  /** HNSW efSearch: higher = better recall, slower. */
  GALLERY_HNSW_EF_SEARCH: int(128, 1, 4096),
  /** Where the gallery index is saved, so a restart loads it instead of rebuilding it; empty = DATA_DIR/gallery-index, `off` = never saved. */
  GALLERY_INDEX_DIR: z.string().default(''),
  /** Quiet time after a gallery change before the index is saved again (it is also saved at shutdown). */
  GALLERY_INDEX_SAVE_DELAY_MS: int(30_000, 0),
  /** People a gallery import commits per transaction: bounds its locks (PostgreSQL's max_locks_per_transaction) and undo. */
  GALLERY_IMPORT_BATCH_PEOPLE: int(500, 1, 10_000),
  /** Gallery changes kept in the change log that other servers catch up from; one further behind rebuilds its index. */
  GALLERY_CHANGELOG_KEEP: int(100_000, 100),
  /** How often a server on a shared PostgreSQL reads the change log even without a notification (lost ones), ms; 0 = never. */
  GALLERY_SYNC_POLL_MS: int(5000, 0, 3_600_000),
  /** Views collected per enrolment. */
  ENROL_SAMPLES: int(5, 1, 20),
  /** Enrolment skips a view more similar than this (cosine) to one already taken, so the views differ. */
  ENROL_MAX_SIMILARITY: num(0.99, 0, 1),
  /** Largest head turn (yaw or pitch, radians) accepted for an enrolment view (0.35 rad = 20 degrees). docs/thresholds.md */
  ENROL_MAX_ANGLE: num(0.35, 0, 1.6),
  /** Smallest face side (px) accepted for enrolment: measured, docs/accuracy.md "Enrolment gates". */
  ENROL_MIN_FACE_PX: int(48, 16),
  // ---- enrolment quality gates, liveness, attendance (docs/thresholds.md) ----
  // The enrolment gates' defaults are where a view starts to cost recognition, measured held out by
  // `npm run eval -- --gates` (docs/accuracy.md, "Enrolment gates"); a gate passes at its own value.
  /** Detector confidence an enrolment view needs beyond DETECT_MIN_CONFIDENCE; 0 = that floor only (measured: no cost above it). */
  ENROL_MIN_CONFIDENCE: num(0, 0, 1),
  /** Largest head roll (sideways lean, radians) accepted for an enrolment view (0.52 = 30°, as far as measured). */
  ENROL_MAX_ROLL: num(0.52, 0, 1.6),
  /** Smallest variance of the Laplacian of the grey aligned chip (blur gate). */
  ENROL_MIN_SHARPNESS: num(20, 0, 1e6),
  /** Mean luminance (0..255) of the chip's centre must lie in [min, max]. */
  ENROL_MIN_BRIGHTNESS: num(15, 0, 255),
  ENROL_MAX_BRIGHTNESS: num(245, 0, 255),
  /** Largest fraction of clipped (near-black or near-white) pixels in the chip's centre. */
  ENROL_MAX_CLIPPED: num(0.1, 0, 1),
  /** Poses guided enrolment asks for, comma-separated from straight,left,right; empty = any pose. */
  ENROL_POSES: z
    .string()
    .default('straight,left,right')
    // Empty or "any": no pose guidance (parseConfig keeps this variable's empty value instead of the default).
    .transform((v) =>
      v.trim().toLowerCase() === 'any'
        ? []
        : v
            .split(',')
            .map((p) => p.trim())
            .filter(Boolean),
    )
    .pipe(z.array(z.enum(['straight', 'left', 'right']))),
  /** An enrolment ends this long after enrol.start: saved with ENROL_MIN_SAMPLES views or more, else `timeout`. */
  ENROL_TIMEOUT_MS: int(60_000, 1000, 3_600_000),
  /** Views an enrolment that ran out of time needs to be saved anyway. */
  ENROL_MIN_SAMPLES: int(3, 1, 20),
  /** With ENROL_MIN_SAMPLES views and no new view for this long, the enrolment is saved at once (0 = wait for the time limit). */
  ENROL_STALL_MS: int(10_000, 0, 3_600_000),
  /** A pose asked for this long without a view is skipped, so a person who cannot turn still finishes. */
  ENROL_POSE_SKIP_MS: int(8000, 0, 3_600_000),
  /** |yaw| (radians) from which a head counts as turned left or right for the pose plan. */
  ENROL_POSE_YAW: num(0.1, 0, 1.6),
  /** A view matching a different enrolled person at or above max(this, MATCH_THRESHOLD) stops the enrolment (unless confirmed); 0 = MATCH_THRESHOLD. */
  ENROL_DUPLICATE_THRESHOLD: num(0, -1, 1),
  /** Enrolment views must pass the presentation-attack check (MiniFASNet, ENROL_MIN_SPOOF). */
  ENROL_REQUIRE_LIVE: bool(true),
  /** MiniFASNet mean "real" probability each enrolment view needs (0.5: upstream's rule). */
  ENROL_MIN_SPOOF: num(0.5, 0, 1),
  /**
   * Recognition (names, check-ins) only for tracks the presentation-attack stage found live: a run of real frames
   * (tracking/liveness-evidence.ts), each at LIVENESS_MIN_SPOOF or above and with the track's recent scores steady (a
   * replay's flicker); a short run of attack frames withholds the track, and only a longer run of frames scored clearly
   * as attacks refuses it (a security event).
   */
  RECOGNITION_REQUIRE_LIVE: bool(false),
  // A camera's own policy (PUT /api/v1/camera-policies/{camera}, the Cameras page) overrides it for that camera.
  /** MiniFASNet mean "real" probability at which a recognition frame counts as real (chosen on the development set, docs/accuracy.md). */
  LIVENESS_MIN_SPOOF: num(0.7, 0, 1),
  /** Record attendance check-ins for recognized faces. */
  CHECKINS_ENABLED: bool(true),
  /** One check-in per person per this many milliseconds, across all cameras. */
  CHECKIN_COOLDOWN_MS: int(10 * 60 * 1000, 0),
  /** A person seen again within the cooldown is told "already checked in" at most this often per camera. */
  ALREADY_CHECKED_IN_NOTICE_MS: int(30_000, 0),
  /** Check-ins that could not be written (database down) are tried again this often, keeping the time they were seen. */
  CHECKIN_RETRY_MS: int(5000, 100),
  /** When the day's attendance summary goes to the webhooks, chats and MQTT that take `attendance.summary`: HH:MM, server time (TZ). */
  ATTENDANCE_SUMMARY_AT: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:MM (24-hour)')
    .default('18:00'),
  /** A track unknown this long (ms) is stored once as an unknown sighting; 0 = never store sightings. */
  UNKNOWN_SIGHTING_AFTER_MS: int(5000, 0),
  /** Unknown sightings older than this many days are deleted (0 = no age limit). */
  SIGHTINGS_RETENTION_DAYS: int(30, 0),
  /** At most this many unknown sightings are kept, newest first (0 = no count limit). */
  SIGHTINGS_MAX_ROWS: int(10_000, 0),
  /** Recognition history (one record per recognized track, with its face) older than this many days is deleted (0 = no age limit). */
  RECOGNITIONS_RETENTION_DAYS: int(7, 0),
  /** At most this many recognition records are kept, newest first (0 = no count limit). */
  RECOGNITIONS_MAX_ROWS: int(5000, 0),
  /** Security events (presentation attacks refused, with their faces) older than this many days are deleted (0 = no age limit). */
  SECURITY_EVENTS_RETENTION_DAYS: int(90, 0),
  /** At most this many security events are kept, newest first (0 = no count limit). */
  SECURITY_EVENTS_MAX_ROWS: int(10_000, 0),
  /** "Not them" on a recognition can be undone this long (ms); after it the record is deleted at the next retention run. */
  RECOGNITIONS_UNDO_MS: int(10 * 60 * 1000, 0),
  /** How often retention (sightings, recognition history, security events) is enforced, ms. */
  SIGHTINGS_PRUNE_EVERY_MS: int(60 * 60 * 1000, 1000),
  // ---- events out: webhooks and MQTT (docs/api.md#events-out) ----
  /** A camera that sent no frame this long (ms) is reported down (`camera.down`); 0 = never. */
  CAMERA_DOWN_AFTER_MS: int(30_000, 0),
  /** Most webhook and MQTT deliveries waiting in the outbox; past it new events are refused (logged, counted in facestream_outbox_refused_total). */
  OUTBOX_MAX_PENDING: int(100_000, 1),
  /** A delivery is given up after this many attempts (a resting target's waiting deliveries are not attempts). */
  OUTBOX_MAX_ATTEMPTS: int(50, 1),
  /** ...or once its event is this old, ms (default one day). */
  OUTBOX_MAX_AGE_MS: int(24 * 60 * 60 * 1000, 1000),
  /** First retry delay after a target fails, ms; doubled per failure in a row up to OUTBOX_RETRY_MAX_MS. */
  OUTBOX_RETRY_BASE_MS: int(1000, 10),
  OUTBOX_RETRY_MAX_MS: int(5 * 60 * 1000, 10),
  /** Deliveries claimed per dispatcher pass. */
  OUTBOX_BATCH: int(20, 1, 1000),
  /** How often the outbox is looked at when nothing new was queued, ms. */
  OUTBOX_POLL_MS: int(1000, 10),
  /** Delivered and failed deliveries are kept this long for the status view, ms (default 7 days). */
  OUTBOX_KEEP_MS: int(7 * 24 * 60 * 60 * 1000, 0),
  /** Longest a webhook POST (or an MQTT publish's PUBACK) may take, ms. */
  WEBHOOK_TIMEOUT_MS: int(10_000, 100, 120_000),
  /** A person's MQTT presence (`binary_sensor` present) stays ON this long after they were last recognised, ms. */
  MQTT_PRESENCE_MS: int(10 * 60 * 1000, 1000),
  /** Delay between reconnects to the MQTT broker, ms. */
  MQTT_RECONNECT_MS: int(5000, 100),
  /** Detector confidence below which a face is ignored. */
  DETECT_MIN_CONFIDENCE: num(0.5, 0, 1),
  /** Faces detected per frame at most. */
  MAX_FACES: int(10, 1, 50),
  /**
   * Live frames: a face BlazeFace scores from this up to DETECT_MIN_CONFIDENCE is tracked but not shown until the face
   * mesh finds a face in its box (small faces beside a larger one score 0.3-0.5). At or above DETECT_MIN_CONFIDENCE: off.
   * At least 0.1: below it nearly every anchor is a candidate.
   */
  LIVE_DETECT_FLOOR: num(0.3, 0.1, 1),
  /** Detector for live frames that need boxes only (no face mesh): auto (BlazeFace on onnxruntime-node when it loads, else human), onnx, human. */
  LIVE_DETECTOR: z.enum(['auto', 'onnx', 'human']).default('auto'),
  /** Where the embedding's landmark net, ResNet and MobileFaceNet run: auto (onnxruntime-node when it loads them, else tfjs), onnx, tfjs. Same embeddings either way. */
  EMBED_RUNTIME: z.enum(['auto', 'onnx', 'tfjs']).default('auto'),
  /** Largest WebSocket message accepted, bytes (ws maxPayload). */
  MAX_MESSAGE_BYTES: int(2 * 1024 * 1024, 1024),
  /** Largest decoded frame accepted, in pixels (width * height). */
  MAX_FRAME_PIXELS: int(1920 * 1080, 64 * 64),
  /** Frames a client should have unanswered at most; told to clients in `welcome`. The server itself holds one frame waiting and drops older ones (newest wins). */
  MAX_FRAMES_IN_FLIGHT: int(2, 1, 8),
  /** Milliseconds a new connection has to send hello. */
  HELLO_TIMEOUT_MS: int(5000, 100),
  /** Client protocol errors in a row (no good frame or message between them) before the session is closed. */
  MAX_PROTOCOL_ERRORS: int(50, 1),
  /** Bytes queued for one client that is not reading before its socket is closed with 4005. */
  MAX_SEND_BUFFER_BYTES: int(4 * 1024 * 1024, 16 * 1024),
  /** Text messages, and frames past the in-flight limit, one socket may send a second (averaged); past it the socket is closed with 4006. */
  WS_MESSAGES_PER_SECOND: int(20, 1),
  /** Of those, how many one socket may send at once (the bucket's size): a client's burst at connecting, enrolment commands. */
  WS_MESSAGE_BURST: int(100, 1),
  /** After a socket was closed for flooding (4006), its address is refused new sockets (HTTP 429) for this long, ms; 0 = never. */
  WS_FLOOD_COOLDOWN_MS: int(10_000, 0),
  /** Tracker: re-embed a confirmed track every N processed frames (0 = never again). */
  REEMBED_EVERY: int(15, 0),
  /** Tracker: recent matches a track votes over. */
  VOTE_WINDOW: int(5, 1, 50),
  /** Tracker: frames a track survives without a detection. */
  TRACK_MAX_MISSES: int(5, 0),
  /** Tracker: IoU needed to associate a detection with a track. */
  TRACK_MIN_IOU: num(0.3, 0, 1),
  /** Tracker: a detection within this many standard deviations of a track's predicted centre and size may continue it (scales with box size and time unseen). */
  TRACK_GATE: num(5, 0.5, 50),
  /** Tracker: a track seen more than once survives at least this long without its face, whatever TRACK_MAX_MISSES says. */
  TRACK_MAX_MISS_MS: int(2000, 0, 60_000),
  /** Tracker: a track found again after this long unseen (tracker clock) shows its name only once its face's embedding confirms it. */
  TRACK_CONFIRM_GAP_MS: int(1000, 100, 600_000),
  /** Detect at most this often per camera (ms of capture time; 200 = 5 detections a second, as Frigate detects); frames in between, while every track is settled, get predicted boxes. 0 = every frame. */
  DETECT_INTERVAL_MS: int(200, 0, 1000),
  // ---- server-pulled cameras: RTSP, MJPEG over HTTP, local devices (src/server/cameras, README "Connect a door camera") ----
  /** Pull frames for the enabled cameras in the database with ffmpeg; set false on all but one of several servers sharing a PostgreSQL database. */
  CAMERA_SOURCES: bool(true),
  /** The ffmpeg program that pulls camera streams (Debian package ffmpeg). */
  CAMERA_FFMPEG: z.string().min(1).default('ffmpeg'),
  /** Largest JPEG frame read from a camera's ffmpeg, bytes; a larger one is dropped whole and counted in the camera's status. */
  CAMERA_MAX_FRAME_BYTES: int(4 * 1024 * 1024, 64 * 1024, 64 * 1024 * 1024),
  /** Camera frames wider than this are scaled down (aspect kept) by ffmpeg before recognition. */
  CAMERA_MAX_WIDTH: int(1280, 160, 3840),
  /** First wait before a camera whose stream ended or failed is reconnected; doubled after each failure in a row. */
  CAMERA_RECONNECT_MIN_MS: int(1000, 100, 600_000),
  /** Longest wait between a camera's reconnects. */
  CAMERA_RECONNECT_MAX_MS: int(30_000, 100, 3_600_000),
  /** A camera that sends no frame for this long is disconnected and reconnected (also ffmpeg's network timeout). */
  CAMERA_STALL_MS: int(10_000, 1000, 600_000),
  /** REST and WebSocket auth: open (no keys, everyone is admin) or keys. Unset: open only when HOST is a loopback address. */
  AUTH_MODE: z.enum(['open', 'keys']).optional(),
  /** Comma-separated browser origins allowed for CORS and the WebSocket besides the server's own; `*` allows any. */
  ALLOWED_ORIGINS: z.string().default(''),
  /** How often open WebSockets' API keys are checked again: a revoked key's sockets close (4003) within this time. */
  KEY_RECHECK_MS: int(2000, 100, 3_600_000),
  /** Largest request body for image uploads (identify, compare, add faces), bytes. */
  MAX_UPLOAD_BYTES: int(10 * 1024 * 1024, 1024),
  /** Largest zip or gallery file accepted for import, bytes. */
  MAX_IMPORT_BYTES: int(256 * 1024 * 1024, 1024),
  /** Most entries a zip import may hold; past it the job fails before anything is written. */
  IMPORT_MAX_ENTRIES: int(10_000, 1),
  /** Most bytes a zip import's entries may inflate to in total, or a gallery file to after gunzip. */
  IMPORT_MAX_INFLATED_BYTES: int(1024 * 1024 * 1024, 1024),
  /** Largest inflated/compressed ratio of one zip entry (photos barely compress; a bomb is ~1000). */
  IMPORT_MAX_RATIO: num(100, 1, 100_000),
  /**
   * Largest gallery file a job import (POST /api/v1/imports/gallery) spools to DATA_DIR/imports, bytes: the upload is
   * written to disk as it arrives, never held in memory, and refused with 413 past this.
   */
  GALLERY_JOB_MAX_BYTES: int(32 * 1024 * 1024 * 1024, 1024),
  /** Most bytes a gallery job's file may inflate to after gunzip (the job fails with import_too_large). */
  GALLERY_JOB_MAX_INFLATED_BYTES: int(128 * 1024 * 1024 * 1024, 1024),
  /** Longest line of a gallery import file (one person with every face and crop), bytes. */
  IMPORT_MAX_LINE_BYTES: int(16 * 1024 * 1024, 1024),
  /** Largest decoded uploaded image (width * height). */
  MAX_IMAGE_PIXELS: int(24_000_000, 64 * 64),
  /** REST requests per minute per API key (a burst of this size, refilled evenly); 0 = unlimited. */
  RATE_LIMIT_PER_MINUTE: int(600, 0),
  /** Wrong API keys one remote address may present per minute (a burst of this many, then refilled evenly); then 429. 0 = unlimited. */
  AUTH_FAILURES_PER_MINUTE: int(10, 0),
  /** Longest a shutdown (SIGINT/SIGTERM) may take before the process exits anyway with status 1, ms. */
  SHUTDOWN_TIMEOUT_MS: int(30_000, 100, 600_000),
  /** Testing only: SIGKILL the process at this commit point (kill -9 tests). Unset in production. */
  TEST_CRASH_AT: z.enum(CRASH_POINTS).optional(),
});

/** The environment as parsed, before the model is resolved: MATCH_THRESHOLD may still be unset. */
export type EnvConfig = z.infer<typeof ConfigSchema>;
/** The server's settings: MATCH_THRESHOLD is always a number (the model's own when not set). */
export type Config = Omit<EnvConfig, 'MATCH_THRESHOLD'> & { MATCH_THRESHOLD: number };

export type EnvResult = { ok: true; config: EnvConfig } | { ok: false; errors: string[] };
/** `notes`: what the server should log at start about how the settings were completed (load-config.ts). */
export type ConfigResult = { ok: true; config: Config; notes?: string[] } | { ok: false; errors: string[] };

/** Variables whose empty value means "none" rather than "unset, use the default". */
const EMPTY_IS_A_VALUE: ReadonlySet<string> = new Set(['ENROL_POSES']);

/** Parses the environment alone (no files are read); load-config.ts adds what depends on the embedding model. */
export function parseEnv(env: Record<string, string | undefined>): EnvResult {
  const picked = Object.fromEntries(Object.keys(ConfigSchema.shape).map((k) => [k, env[k]?.trim() === '' && !EMPTY_IS_A_VALUE.has(k) ? undefined : env[k]]));
  const parsed = ConfigSchema.safeParse(picked);
  if (parsed.success) return { ok: true, config: parsed.data };
  return { ok: false, errors: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message} (got ${JSON.stringify(picked[String(i.path[0])])})`) };
}
