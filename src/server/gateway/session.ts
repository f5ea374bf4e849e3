// One camera connection: hello handshake, frame intake with newest-frame-wins backpressure, errors and sending.
// Each frame goes through the camera's recognition pipeline (recognition/pipeline.ts); enrolment and attendance
// ride on the same socket.
import { randomUUID } from 'node:crypto';
import {
  CLOSE_CODES,
  PROTOCOL_VERSION,
  decodeFrame,
  parseClientMessage,
  type CheckIn,
  type ClientMessage,
  type ErrorCode,
  type FrameHeader,
} from '../../shared/protocol.js';
import { CameraAttendance, type AttendanceDeps } from '../attendance/camera-attendance.js';
import { OPEN_PRINCIPAL, type Principal } from '../auth/keys.js';
import type { Config } from '../config.js';
import type { EnrolmentDeps } from '../enrolment/commit.js';
import { EnrolmentFlow } from '../enrolment/flow.js';
import type { Gallery } from '../gallery/gallery.js';
import { beginLiveWork } from '../live-work.js';
import type { Logger } from '../log.js';
import type { CameraPolicies } from '../recognition/camera-policies.js';
import type { MatchPolicy } from '../recognition/match-policy.js';
import { FramePipeline, trackerOptionsOf } from '../recognition/pipeline.js';
import type { FaceAnalyzer } from '../vision/analyzer.js';
import type { LiveLane } from '../vision/scheduler.js';
import { messageDenied } from './message-roles.js';
import type { SessionSocket } from './socket.js';

export interface SessionDeps {
  config: Config;
  analyzer: FaceAnalyzer;
  /** A session's own lane into the inference slots (fair share, pinned to one worker); else `analyzer` is used. */
  lanes?: (sessionId: string) => LiveLane;
  gallery: Gallery;
  policy: MatchPolicy;
  /** Per-camera policy (require liveness); absent: every camera follows `policy` (RECOGNITION_REQUIRE_LIVE). */
  cameraPolicies?: Pick<CameraPolicies, 'requireLive'>;
  enrolment: EnrolmentDeps;
  log: Logger;
  serverVersion: string;
  attendance: AttendanceDeps;
}

interface PendingFrame {
  header: FrameHeader;
  jpeg: Uint8Array;
  receivedAt: number;
}

/** Errors that are the server's fault, not the client's: reported, never held against the session. */
const SERVER_FAULTS: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['internal', 'enrol_failed']);

export class Session {
  readonly id = randomUUID();
  camera = '';
  /** A sign-in kiosk: gets today's check-ins and every check-in. */
  kiosk = false;
  /** False for an enrolment page (hello `attendance: false`): its faces are never check-ins or sightings. */
  private recordsAttendance = true;
  private ready = false;
  private closed = false;
  private errors = 0;
  private helloTimer: NodeJS.Timeout | undefined;
  private processing = false;
  /** The one frame waiting behind the frame being processed; a newer arrival replaces it (newest wins). */
  private pending: PendingFrame | null = null;
  readonly stats = { received: 0, processed: 0, dropped: 0 };
  private readonly pipeline: FramePipeline;
  private readonly enrol: EnrolmentFlow;
  private readonly attendance: CameraAttendance;
  /** Resolves when the frame loop is idle; lets shutdown and tests wait for in-flight work. */
  private idle: Promise<void> = Promise.resolve();
  private readonly lane: LiveLane | undefined;

  constructor(
    private readonly socket: SessionSocket,
    private readonly deps: SessionDeps,
    /** Who opened the socket (the key checked at the upgrade); every message is authorized against it. */
    readonly principal: Principal = OPEN_PRINCIPAL,
  ) {
    const c = deps.config;
    this.lane = deps.lanes?.(this.id);
    const analyzer = this.lane?.analyzer ?? deps.analyzer;
    this.pipeline = new FramePipeline(
      // Searched off the event loop: at a million faces an exact search would block every session for ~160 ms.
      {
        analyzer,
        gallery: { search: (e, k) => deps.gallery.searchAsync(e, k) },
        // This camera's policy, read per decision: a change on the Cameras page applies from the next frame.
        policy: deps.cameraPolicies ? deps.policy.forCamera(() => deps.cameraPolicies!.requireLive(this.camera)) : deps.policy,
        onBackgroundError: (err) => deps.log.error('a track re-check failed', { session: this.id, error: String(err) }),
      },
      {
        maxFramePixels: c.MAX_FRAME_PIXELS,
        detectIntervalMs: c.DETECT_INTERVAL_MS,
        tracker: trackerOptionsOf(c),
      },
    );
    this.attendance = new CameraAttendance(deps.attendance, deps.analyzer.modelId, c.UNKNOWN_SIGHTING_AFTER_MS);
    this.enrol = new EnrolmentFlow({
      config: c,
      gallery: deps.gallery,
      policy: deps.policy,
      enrolment: deps.enrolment,
      log: deps.log,
      send: (m) => this.socket.send(m),
      protocolError: (code, message) => this.protocolError(code, message),
      isClosed: () => this.closed,
    });
    this.helloTimer = setTimeout(() => this.close(CLOSE_CODES.helloTimeout, 'no hello received in time'), c.HELLO_TIMEOUT_MS);
  }

  onText(text: string): void {
    const parsed = parseClientMessage(text);
    if (!parsed.ok) return this.protocolError(parsed.code, parsed.message);
    const msg = parsed.message;
    if (!this.ready && msg.type !== 'hello') return this.close(CLOSE_CODES.helloExpected, `expected hello, got ${msg.type}`);
    // Refused, not closed: a viewer pressing a button must not end its live view.
    const denied = messageDenied(this.principal, msg);
    if (denied) return this.protocolError('forbidden', denied);
    const errorsBefore = this.errors;
    this.handle(msg);
    // A message that was handled without a new error is a good one; one refused as out of order still counts.
    if (this.errors === errorsBefore) this.errors = 0;
  }

  onBinary(bytes: Uint8Array): void {
    if (!this.ready) return this.close(CLOSE_CODES.helloExpected, 'expected hello before frames');
    const frame = decodeFrame(bytes);
    if (!frame.ok) return this.protocolError(frame.code, frame.message, frame.seq);
    this.stats.received += 1;
    const pending: PendingFrame = { header: frame.header, jpeg: frame.jpeg, receivedAt: performance.now() };
    if (this.processing) {
      if (this.pending) this.stats.dropped += 1;
      this.pending = pending;
      return;
    }
    this.idle = this.runFrames(pending);
  }

  /** The client went away: drop queued work and any enrolment in progress (nothing of it was written). */
  onClose(): void {
    if (!this.closed) this.attendance.close(this.camera);
    this.closed = true;
    this.pending = null;
    this.enrol.drop();
    clearTimeout(this.helloTimer);
    this.lane?.release();
  }

  /** Someone enrolled or was deleted: identities are voted again from the next frame. */
  galleryChanged(people: number, faces: number): void {
    this.pipeline.galleryChanged();
    if (this.ready) this.socket.send({ type: 'gallery.changed', people, faces });
  }

  /** Someone already checked in came by again (on `camera`): told on that camera's pages and on every kiosk. */
  deliverAlreadyCheckedIn(checkin: CheckIn, camera: string): void {
    if (this.ready && !this.closed && (this.kiosk || camera === this.camera)) this.socket.send({ type: 'checkin.already', checkin, camera });
  }

  /** A check-in was recorded: shown on this camera's pages and on every kiosk. */
  deliverCheckIn(checkin: CheckIn): void {
    if (this.ready && !this.closed && (this.kiosk || checkin.camera === this.camera)) this.socket.send({ type: 'checkin', checkin });
  }

  /** The server failed on a message (a bug): tell the client with `internal`; never counted against it. */
  serverFault(message: string): void {
    if (!this.closed) this.protocolError('internal', message);
  }

  whenIdle(): Promise<void> {
    return this.idle.then(() => this.pipeline.idle());
  }

  close(code: number, reason: string): void {
    this.socket.close(code, reason);
    this.onClose();
  }

  private handle(msg: ClientMessage): void {
    switch (msg.type) {
      case 'hello':
        return this.hello(msg.protocol, msg.camera, msg.kiosk === true, msg.attendance !== false);
      case 'ping':
        return this.socket.send({ type: 'pong', t: msg.t, serverTime: Date.now() });
      case 'enrol.start':
        return this.enrol.start(msg.name, msg.samples, msg.allowDuplicate === true);
      case 'enrol.cancel':
        return this.enrol.cancel();
    }
  }

  private hello(protocol: number, camera: string | undefined, kiosk: boolean, attendance: boolean): void {
    if (this.ready) return this.protocolError('out_of_order', 'hello sent twice');
    if (protocol !== PROTOCOL_VERSION) {
      return this.close(CLOSE_CODES.unsupportedProtocol, `protocol ${protocol} is not supported; this server speaks ${PROTOCOL_VERSION}`);
    }
    clearTimeout(this.helloTimer);
    this.ready = true;
    this.camera = camera ?? '';
    this.kiosk = kiosk;
    this.recordsAttendance = attendance;
    const { config, analyzer, serverVersion, gallery } = this.deps;
    const size = gallery.stats();
    this.socket.send({
      type: 'welcome',
      protocol: PROTOCOL_VERSION,
      sessionId: this.id,
      server: { version: serverVersion, backend: analyzer.backend, model: analyzer.modelId },
      limits: { maxMessageBytes: config.MAX_MESSAGE_BYTES, maxFramePixels: config.MAX_FRAME_PIXELS, maxFramesInFlight: config.MAX_FRAMES_IN_FLIGHT },
      gallery: { people: size.people, faces: size.faces },
      matchThreshold: this.deps.policy.threshold,
    });
    const checkins = this.deps.attendance.checkins;
    if (kiosk && checkins) {
      checkins.today().then(
        (t) => !this.closed && this.socket.send({ type: 'checkins.today', day: t.day, checkins: t.checkins }),
        (err) => this.deps.log.error("reading today's check-ins failed", { session: this.id, error: String(err) }),
      );
    }
  }

  /**
   * Sends an `error`. Client faults count towards MAX_PROTOCOL_ERRORS in a row (any good frame or message resets the
   * count, so a camera that sends a rare broken frame over days is never cut off); the server's own faults never count.
   */
  private protocolError(code: ErrorCode, message: string, seq?: number): void {
    this.socket.send({ type: 'error', code, message, ...(seq === undefined ? {} : { seq }) });
    if (SERVER_FAULTS.has(code)) return;
    this.errors += 1;
    if (this.errors >= this.deps.config.MAX_PROTOCOL_ERRORS) this.close(CLOSE_CODES.tooManyErrors, 'too many protocol errors in a row');
  }

  /** Processes frames until none is waiting. Only one runs per session, so frames never pile up. */
  private async runFrames(first: PendingFrame): Promise<void> {
    this.processing = true;
    // Background work on this thread (a gallery import) waits while a frame is in flight (live-work.ts).
    const endLiveWork = beginLiveWork();
    let next: PendingFrame | null = first;
    try {
      while (next && !this.closed) {
        try {
          await this.processFrame(next);
        } catch (err) {
          this.deps.log.error('frame failed', { session: this.id, seq: next.header.seq, error: String(err) });
          this.protocolError('internal', 'the server failed on this frame', next.header.seq);
        }
        next = this.pending;
        this.pending = null;
      }
    } finally {
      this.processing = false;
      endLiveWork();
    }
  }

  private async processFrame(frame: PendingFrame): Promise<void> {
    const queue = performance.now() - frame.receivedAt;
    const { seq, captureTime } = frame.header;
    const due = this.attendanceDue();
    const out = await this.pipeline.process(
      { jpeg: frame.jpeg, seq, captureTime, receivedAt: frame.receivedAt },
      {
        enrolment: this.enrol,
        onUnmatched: due ? ({ trackId, ...view }) => this.attendance.unmatched(trackId, view) : undefined,
        onMatched: due ? ({ trackId, ...view }) => this.attendance.matched(trackId, view) : undefined,
        onRefused: due
          ? ({ trackId, chip, liveness, best, wouldBe }) =>
              this.attendance.refused(
                trackId,
                {
                  chip,
                  liveScore: liveness.lastReal,
                  framesChecked: liveness.checked,
                  attackFrames: liveness.attacks,
                  closest: best ? { personId: best.personId, name: best.name } : null,
                  similarity: best?.score ?? null,
                  wouldBeNamed: wouldBe !== null,
                },
                this.camera,
              )
          : undefined,
      },
    );
    if (!out.ok) return this.protocolError(out.code, out.message, seq);
    this.errors = 0;
    this.stats.processed += 1;
    if (this.attendanceDue()) this.attendance.frameSeen(out.visible, this.camera);
    this.socket.send({
      type: 'overlay',
      seq,
      captureTime,
      width: out.width,
      height: out.height,
      tracks: out.tracks,
      timings: { queue, ...out.timings, total: performance.now() - frame.receivedAt },
      stats: { ...this.stats },
      ...(out.predicted ? { predicted: true } : {}),
    });
  }

  /**
   * Faces become check-ins and unknown sightings only on attendance cameras: never on an enrolment page (hello
   * `attendance: false`), nor on a session once it enrolled someone (who was otherwise stored as unknown while
   * enrolling, then checked in a second after it).
   */
  private attendanceDue(): boolean {
    return this.recordsAttendance && !this.enrol.everStarted;
  }
}
