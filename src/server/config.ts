// Server configuration: one zod schema over the environment. Every bad value is reported at once, then the process exits.
import { z } from 'zod';

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
  /** PostgreSQL connection string; when unset the embedded PGlite database in DATA_DIR is used. */
  DATABASE_URL: z.string().url().optional(),
  DATA_DIR: z.string().default('./data'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** Inference backend: auto = tfjs-node when it loads, else WASM. */
  TF_BACKEND: z.enum(['auto', 'tensorflow', 'wasm']).default('auto'),
  /** Cosine similarity at or above which a probe matches an enrolled person. Calibrated on ../shared/faces (docs/accuracy.md). */
  MATCH_THRESHOLD: num(0.9, -1, 1),
  /** Views collected per enrolment. */
  ENROL_SAMPLES: int(5, 1, 20),
  /** Enrolment skips a view more similar than this (cosine) to one already taken, so the views differ. */
  ENROL_MAX_SIMILARITY: num(0.99, 0, 1),
  /** Largest head turn (yaw or pitch, radians) accepted for an enrolment view. */
  ENROL_MAX_ANGLE: num(0.5, 0, 1.6),
  /** Smallest face side (px) accepted for enrolment. */
  ENROL_MIN_FACE_PX: int(80, 16),
  /** Detector confidence below which a face is ignored. */
  DETECT_MIN_CONFIDENCE: num(0.5, 0, 1),
  /** Faces detected per frame at most. */
  MAX_FACES: int(10, 1, 50),
  /** Largest WebSocket message accepted, bytes (ws maxPayload). */
  MAX_MESSAGE_BYTES: int(2 * 1024 * 1024, 1024),
  /** Largest decoded frame accepted, in pixels (width * height). */
  MAX_FRAME_PIXELS: int(1920 * 1080, 64 * 64),
  /** Frames a client may send before it gets an overlay back; more are dropped, newest wins. */
  MAX_FRAMES_IN_FLIGHT: int(2, 1, 8),
  /** Milliseconds a new connection has to send hello. */
  HELLO_TIMEOUT_MS: int(5000, 100),
  /** Protocol errors tolerated per session before it is closed. */
  MAX_PROTOCOL_ERRORS: int(50, 1),
  /** Tracker: re-embed a confirmed track every N processed frames (0 = never again). */
  REEMBED_EVERY: int(15, 0),
  /** Tracker: recent matches a track votes over. */
  VOTE_WINDOW: int(5, 1, 50),
  /** Tracker: frames a track survives without a detection. */
  TRACK_MAX_MISSES: int(5, 0),
  /** Tracker: IoU needed to associate a detection with a track. */
  TRACK_MIN_IOU: num(0.3, 0, 1),
});

export type Config = z.infer<typeof ConfigSchema>;

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: string[] };

export function parseConfig(env: Record<string, string | undefined>): ConfigResult {
  const picked = Object.fromEntries(Object.keys(ConfigSchema.shape).map((k) => [k, env[k]?.trim() === '' ? undefined : env[k]]));
  const parsed = ConfigSchema.safeParse(picked);
  if (parsed.success) return { ok: true, config: parsed.data };
  return { ok: false, errors: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message} (got ${JSON.stringify(picked[String(i.path[0])])})`) };
}
