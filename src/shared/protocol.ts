// The WebSocket protocol between a camera client and the server (docs/protocol.md).
// Shared by src/server and src/client: it imports nothing but zod, so the browser bundle can use it.
import { z } from 'zod';
import { text } from './text.js';

export const PROTOCOL_VERSION = 1;

/**
 * WebSocket subprotocols (docs/protocol.md §2). A client offers `facestream.v1`, and in keys mode also
 * `facestream.key.<KEY>`: browsers cannot set headers on a WebSocket, and a key in the URL ends up in access logs. The
 * server answers with `facestream.v1` only, never echoing the key.
 */
export const WS_SUBPROTOCOL = 'facestream.v1';
export const WS_KEY_SUBPROTOCOL_PREFIX = 'facestream.key.';

/** The subprotocols to offer: the key goes in its own entry (API keys are base64url, valid in a protocol token). */
export function wsSubprotocols(key: string | null): string[] {
  return key ? [WS_SUBPROTOCOL, `${WS_KEY_SUBPROTOCOL_PREFIX}${key}`] : [WS_SUBPROTOCOL];
}

/** Binary frame header: magic "FR", header version, flags, sequence number, capture time. Then JPEG bytes. */
export const FRAME_MAGIC = 0x4652; // "FR"
export const FRAME_HEADER_VERSION = 1;
export const FRAME_HEADER_BYTES = 16;

export interface FrameHeader {
  /** Client-assigned, increasing per connection; echoed in the overlay for this frame. */
  seq: number;
  /** Client clock, ms since epoch, when the frame was captured; echoed back so the client can measure round trip. */
  captureTime: number;
}

export function encodeFrame(header: FrameHeader, jpeg: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES + jpeg.byteLength);
  const view = new DataView(out.buffer);
  view.setUint16(0, FRAME_MAGIC);
  view.setUint8(2, FRAME_HEADER_VERSION);
  view.setUint8(3, 0); // flags: reserved
  view.setUint32(4, header.seq >>> 0);
  view.setFloat64(8, header.captureTime);
  out.set(jpeg, FRAME_HEADER_BYTES);
  return out;
}

export type DecodedFrame =
  | { ok: true; header: FrameHeader; jpeg: Uint8Array }
  /** `seq` is set when the header was readable, so the client can tell which frame failed. */
  | { ok: false; code: ErrorCode; message: string; seq?: number };

export function decodeFrame(bytes: Uint8Array): DecodedFrame {
  if (bytes.byteLength < FRAME_HEADER_BYTES + 4) {
    return { ok: false, code: 'bad_frame', message: `frame of ${bytes.byteLength} bytes is shorter than header + image` };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(0) !== FRAME_MAGIC) return { ok: false, code: 'bad_frame', message: 'frame does not start with magic "FR"' };
  if (view.getUint8(2) !== FRAME_HEADER_VERSION) {
    return { ok: false, code: 'bad_frame', message: `frame header version ${view.getUint8(2)} is not ${FRAME_HEADER_VERSION}` };
  }
  const seq = view.getUint32(4);
  const captureTime = view.getFloat64(8);
  if (!Number.isFinite(captureTime)) return { ok: false, code: 'bad_frame', message: 'capture time is not a finite number', seq };
  const jpeg = bytes.subarray(FRAME_HEADER_BYTES);
  // JPEG SOI marker; anything else is refused before it reaches the decoder.
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return { ok: false, code: 'bad_image', message: 'frame payload is not a JPEG (no SOI marker)', seq };
  return { ok: true, header: { seq, captureTime }, jpeg };
}

/** Stable error codes carried by `error` messages. Clients may switch on them. */
export const ERROR_CODES = [
  'bad_message', // text message that is not JSON or fails its schema
  'unknown_type', // a JSON message whose `type` this server does not know
  'bad_frame', // binary message with a malformed header
  'bad_image', // frame payload that is not a decodable JPEG
  'frame_too_large', // image dimensions over the limit
  'not_ready', // a frame or command before `hello`
  'out_of_order', // e.g. enrol.cancel with no enrolment running, or a second enrol.start
  'forbidden', // the session's key may not send this message type (e.g. enrol.start with a viewer key); the session goes on
  'enrol_failed', // enrolment could not be committed
  'internal', // a server fault while handling this message; the session goes on
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Why an enrolment view was not taken (enrol.progress `code`). Clients may switch on them; `reason` is the text to show. */
export const GATE_CODES = [
  'no_face',
  'multiple_faces',
  'too_small', // ENROL_MIN_FACE_PX
  'low_confidence', // ENROL_MIN_CONFIDENCE
  'not_frontal', // ENROL_MAX_ANGLE (yaw, pitch), ENROL_MAX_ROLL
  'not_live', // ENROL_MIN_SPOOF (MiniFASNet) when ENROL_REQUIRE_LIVE
  'too_dark', // ENROL_MIN_BRIGHTNESS
  'too_bright', // ENROL_MAX_BRIGHTNESS, ENROL_MAX_CLIPPED
  'blurry', // ENROL_MIN_SHARPNESS
  'pose_done', // this head pose already has its view; another is wanted
  'same_view', // ENROL_MAX_SIMILARITY to a view already taken
  'duplicate_person', // ENROL_DUPLICATE_THRESHOLD: the face is already enrolled as someone else
] as const;
export type GateCode = (typeof GATE_CODES)[number];

/** Head poses guided enrolment asks for, by yaw (ENROL_POSE_YAW). left/right are the person's own. */
export const POSES = ['straight', 'left', 'right'] as const;
export const Pose = z.enum(POSES);
export type Pose = z.infer<typeof Pose>;

/** Close codes in the 4000-4999 range reserved for applications. Standard ones used too: 1009 (message too big), 1001 (server going away), 1013 (try again later). */
export const CLOSE_CODES = {
  unsupportedProtocol: 4000,
  helloTimeout: 4001,
  helloExpected: 4002,
  forbidden: 4003,
  tooManyErrors: 4004,
  /** The client stopped reading: more than MAX_SEND_BUFFER_BYTES were queued for it. */
  slowConsumer: 4005,
  /** More text messages (or frames past the in-flight limit) than WS_MESSAGES_PER_SECOND allows. */
  tooManyMessages: 4006,
  /**
   * The standard "try again later": this address spent its budget of wrong API keys (AUTH_FAILURES_PER_MINUTE), so no
   * key from it is looked up for now, a right one included. The reason says when: "...; retry in N s".
   */
  tryAgainLater: 1013,
  serverShutdown: 1001,
  messageTooBig: 1009,
} as const;

/** A person's name as the server sends it. */
const name = z.string().trim().min(1).max(100);

// ---- client -> server (text) ----
// Text fields from clients refuse control characters (a NUL in a camera label once stopped every check-in: PostgreSQL
// cannot store it) and arrive normalised (NFC, one space), the same rule as REST (shared/text.ts).
export const Hello = z.object({
  type: z.literal('hello'),
  protocol: z.number().int(),
  /** Free-form label of the camera or kiosk, recorded with events. */
  camera: text({ min: 0, max: 100 }).optional(),
  client: text({ min: 0, max: 100 }).optional(),
  /** A sign-in kiosk: gets `checkins.today` after welcome and every `checkin`, whichever camera recorded it. */
  kiosk: z.boolean().optional(),
  /** false: this session never records check-ins or unknown sightings (an enrolment page). Default true. */
  attendance: z.boolean().optional(),
});
export const EnrolStart = z.object({
  type: z.literal('enrol.start'),
  name: text({ min: 1, max: 100 }),
  /** How many views to collect; defaults to the server's ENROL_SAMPLES. */
  samples: z.number().int().min(1).max(20).optional(),
  /** The operator confirms: enrol even when the face already matches a different enrolled person. */
  allowDuplicate: z.boolean().optional(),
});
export const EnrolCancel = z.object({ type: z.literal('enrol.cancel') });
export const Ping = z.object({ type: z.literal('ping'), t: z.number() });

export const ClientMessage = z.discriminatedUnion('type', [Hello, EnrolStart, EnrolCancel, Ping]);
export type ClientMessage = z.infer<typeof ClientMessage>;
export const CLIENT_MESSAGE_TYPES: readonly string[] = ClientMessage.options.map((o) => o.shape.type.value);

// ---- server -> client ----
export const TrackState = z.enum(['pending', 'recognized', 'unknown']);
export const Track = z.object({
  id: z.number().int(),
  /** [x, y, width, height] in pixels of the frame as sent. */
  box: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  personId: z.string().nullable(),
  name: z.string().nullable(),
  /** Cosine similarity of the voted identity (or best candidate when unknown); null before the first embedding. */
  score: z.number().nullable(),
  state: TrackState,
  /**
   * The track's latest presentation-attack score (MiniFASNet, 0..1, higher = more likely a real face, not a photo or a
   * screen); null when the face was never scored: only enrolment views and cameras that require liveness score faces.
   */
  real: z.number().nullable().optional(),
  /** Always null: Human's liveness model is no longer run (it passed printed photos). Kept for older clients. */
  live: z.number().nullable().optional(),
  /**
   * On a camera that requires liveness (its policy, else RECOGNITION_REQUIRE_LIVE): the presentation-attack verdict on
   * the track. false = "not live": refused as a photo or a screen, never named or checked in. Absent while undecided.
   */
  liveOk: z.boolean().optional(),
});
export type Track = z.infer<typeof Track>;

export const Welcome = z.object({
  type: z.literal('welcome'),
  protocol: z.number().int(),
  sessionId: z.string(),
  server: z.object({ version: z.string(), backend: z.string(), model: z.string() }),
  limits: z.object({ maxMessageBytes: z.number(), maxFramePixels: z.number(), maxFramesInFlight: z.number() }),
  /** The gallery's size now; `gallery.changed` tells of later changes. */
  gallery: z.object({ people: z.number().int(), faces: z.number().int() }),
  /** The match threshold in force (cosine similarity), so pages can explain a score. */
  matchThreshold: z.number().optional(),
});
export const Overlay = z.object({
  type: z.literal('overlay'),
  seq: z.number().int(),
  captureTime: z.number(),
  width: z.number().int(),
  height: z.number().int(),
  tracks: z.array(Track),
  /** Per-stage server times for this frame, ms. */
  timings: z.object({ queue: z.number(), decode: z.number(), detect: z.number(), embed: z.number(), total: z.number() }),
  /** Session counters: frames received, processed, and dropped because a newer one arrived. */
  stats: z.object({ received: z.number().int(), processed: z.number().int(), dropped: z.number().int() }),
  /** true: no detection ran on this frame (DETECT_INTERVAL_MS); the boxes are the tracker's prediction for its time. */
  predicted: z.boolean().optional(),
});
export type Overlay = z.infer<typeof Overlay>;
export const EnrolStarted = z.object({
  type: z.literal('enrol.started'),
  name,
  required: z.number().int(),
  /** Poses the capture asks for, in prompt order (empty: any). */
  poses: z.array(Pose).optional(),
  /** ENROL_TIMEOUT_MS: the enrolment ends (saved or `timeout`) this long after it started. */
  timeoutMs: z.number().int().optional(),
});
export const EnrolProgress = z.object({
  type: z.literal('enrol.progress'),
  seq: z.number().int(),
  collected: z.number().int(),
  required: z.number().int(),
  accepted: z.boolean(),
  /** Why this frame's view was not taken, when accepted is false. */
  reason: z.string().nullable(),
  /** Stable code for `reason` (GATE_CODES); null when accepted. */
  code: z.enum(GATE_CODES).nullable().optional(),
  /** Pose of this frame's face, when one face was measured. */
  pose: Pose.nullable().optional(),
  /**
   * The one thing to tell the person now: the refusal seen most often over the last second (the last frame's `reason`
   * alone can flip every frame). Null when this frame was accepted.
   */
  hint: z
    .object({ code: z.enum(GATE_CODES), reason: z.string() })
    .nullable()
    .optional(),
  /** Poses that have a view, the one to prompt for next (null: any), and those skipped after ENROL_POSE_SKIP_MS. */
  poses: z.object({ done: z.array(Pose), wanted: Pose.nullable(), skipped: z.array(Pose).optional() }).optional(),
  /** Time left before ENROL_TIMEOUT_MS ends the enrolment. */
  remainingMs: z.number().int().optional(),
});
export const EnrolDone = z.object({
  type: z.literal('enrol.done'),
  personId: z.string(),
  name,
  faces: z.number().int(),
  created: z.boolean(),
});
export const EnrolCancelled = z.object({
  type: z.literal('enrol.cancelled'),
  reason: z.string(),
  /**
   * cancelled: by the client; duplicate: the face is enrolled as `duplicate` (resend enrol.start with allowDuplicate to
   * override); failed: not saved; timeout: ENROL_TIMEOUT_MS passed with fewer than ENROL_MIN_SAMPLES views.
   */
  code: z.enum(['cancelled', 'duplicate', 'failed', 'timeout']).optional(),
  /** With `timeout`: the gate that refused most views, the thing to fix. */
  mostRefused: z.enum(GATE_CODES).optional(),
  duplicate: z.object({ personId: z.string(), name: z.string(), score: z.number() }).optional(),
});
export const GalleryChanged = z.object({ type: z.literal('gallery.changed'), people: z.number().int(), faces: z.number().int() });
export const ErrorMessage = z.object({
  type: z.literal('error'),
  code: z.enum(ERROR_CODES),
  message: z.string(),
  seq: z.number().int().optional(),
});
export const Pong = z.object({ type: z.literal('pong'), t: z.number(), serverTime: z.number() });

/** One attendance record. `at` is ms since epoch (server clock). */
export const CheckIn = z.object({
  id: z.string(),
  personId: z.string(),
  name: z.string(),
  at: z.number(),
  score: z.number(),
  camera: z.string(),
});
export type CheckIn = z.infer<typeof CheckIn>;
/** A person was checked in (once per CHECKIN_COOLDOWN_MS): sent to every session on that camera and to every kiosk. */
export const CheckInMessage = z.object({ type: z.literal('checkin'), checkin: CheckIn });
/**
 * A recognized person who already checked in within CHECKIN_COOLDOWN_MS came by again: `checkin` is that earlier
 * check-in (its time is when they checked in). Sent to the camera's sessions and to kiosks, once per person per
 * camera per ALREADY_CHECKED_IN_NOTICE_MS.
 */
export const CheckInAlready = z.object({ type: z.literal('checkin.already'), checkin: CheckIn, camera: z.string() });
/** Sent to kiosk sessions after welcome: today's check-ins (server's local day), oldest first. */
export const CheckInsToday = z.object({ type: z.literal('checkins.today'), day: z.string(), checkins: z.array(CheckIn) });

export const ServerMessage = z.discriminatedUnion('type', [
  Welcome,
  Overlay,
  EnrolStarted,
  EnrolProgress,
  EnrolDone,
  EnrolCancelled,
  GalleryChanged,
  ErrorMessage,
  Pong,
  CheckInMessage,
  CheckInAlready,
  CheckInsToday,
]);
export type ServerMessage = z.infer<typeof ServerMessage>;

export type ParsedClientMessage = { ok: true; message: ClientMessage } | { ok: false; code: ErrorCode; message: string };

/** Client text echoed in an error is cut to this many characters: a 1 MB `type` must not come back 1 MB long. */
export const MAX_ECHOED_CHARS = 64;

function clip(s: string): string {
  return s.length <= MAX_ECHOED_CHARS ? JSON.stringify(s).slice(1, -1) : `${JSON.stringify(s.slice(0, MAX_ECHOED_CHARS)).slice(1, -1)}…`;
}

/** Validates one text message from a client; never throws. */
export function parseClientMessage(text: string): ParsedClientMessage {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, code: 'bad_message', message: 'message is not valid JSON' };
  }
  const type = (json as { type?: unknown } | null)?.type;
  if (typeof type !== 'string') return { ok: false, code: 'bad_message', message: 'message has no string "type"' };
  if (!CLIENT_MESSAGE_TYPES.includes(type)) return { ok: false, code: 'unknown_type', message: `unknown message type "${clip(type)}"` };
  const parsed = ClientMessage.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, code: 'bad_message', message: `${type}: ${issue?.path.join('.') || 'message'} ${issue?.message ?? 'is invalid'}` };
  }
  return { ok: true, message: parsed.data };
}
