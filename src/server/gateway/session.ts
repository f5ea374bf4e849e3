// One camera connection: hello handshake, frame intake with newest-frame-wins backpressure, the per-frame pipeline
// (detect -> track -> embed what the tracker asks for -> identify -> vote -> overlay) and enrolment over the same socket.
import { randomUUID } from 'node:crypto';
import {
  CLOSE_CODES,
  PROTOCOL_VERSION,
  decodeFrame,
  parseClientMessage,
  type ClientMessage,
  type ErrorCode,
  type FrameHeader,
  type Track,
} from '../../shared/protocol.js';
import type { Config } from '../config.js';
import { EnrolmentCapture, checkView, type CaptureRules } from '../enrolment/capture.js';
import { commitViews, type EnrolmentDeps } from '../enrolment/commit.js';
import type { Gallery } from '../gallery/gallery.js';
import type { Logger } from '../log.js';
import { Tracker } from '../tracking/tracker.js';
import type { FaceAnalyzer } from '../vision/analyzer.js';
import type { SessionSocket } from './socket.js';

export interface SessionDeps {
  config: Config;
  analyzer: FaceAnalyzer;
  gallery: Gallery;
  enrolment: EnrolmentDeps;
  log: Logger;
  serverVersion: string;
}

interface PendingFrame {
  header: FrameHeader;
  jpeg: Uint8Array;
  receivedAt: number;
}

export class Session {
  readonly id = randomUUID();
  camera = '';
  private ready = false;
  private closed = false;
  private errors = 0;
  private helloTimer: NodeJS.Timeout | undefined;
  private processing = false;
  /** The one frame waiting behind the frame being processed; a newer arrival replaces it (newest wins). */
  private pending: PendingFrame | null = null;
  readonly stats = { received: 0, processed: 0, dropped: 0 };
  private readonly tracker: Tracker;
  private enrolment: EnrolmentCapture | null = null;
  private committing = false;
  /** Resolves when the frame loop is idle; lets shutdown and tests wait for in-flight work. */
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: SessionSocket,
    private readonly deps: SessionDeps,
  ) {
    const c = deps.config;
    this.tracker = new Tracker({ minIou: c.TRACK_MIN_IOU, maxMisses: c.TRACK_MAX_MISSES, voteWindow: c.VOTE_WINDOW, reembedEvery: c.REEMBED_EVERY });
    this.helloTimer = setTimeout(() => this.close(CLOSE_CODES.helloTimeout, 'no hello received in time'), c.HELLO_TIMEOUT_MS);
  }

  onText(text: string): void {
    const parsed = parseClientMessage(text);
    if (!parsed.ok) return this.protocolError(parsed.code, parsed.message);
    const msg = parsed.message;
    if (!this.ready && msg.type !== 'hello') return this.close(CLOSE_CODES.helloExpected, `expected hello, got ${msg.type}`);
    this.handle(msg);
  }

  onBinary(bytes: Uint8Array): void {
    if (!this.ready) return this.close(CLOSE_CODES.helloExpected, 'expected hello before frames');
    const frame = decodeFrame(bytes);
    if (!frame.ok) return this.protocolError(frame.code, frame.message);
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
    this.closed = true;
    this.pending = null;
    this.enrolment = null;
    clearTimeout(this.helloTimer);
  }

  /** Someone enrolled or was deleted: identities are voted again from the next frame. */
  galleryChanged(people: number, faces: number): void {
    this.tracker.resetIdentities();
    if (this.ready) this.socket.send({ type: 'gallery.changed', people, faces });
  }

  whenIdle(): Promise<void> {
    return this.idle;
  }

  close(code: number, reason: string): void {
    this.socket.close(code, reason);
    this.onClose();
  }

  private handle(msg: ClientMessage): void {
    switch (msg.type) {
      case 'hello':
        return this.hello(msg.protocol, msg.camera);
      case 'ping':
        return this.socket.send({ type: 'pong', t: msg.t, serverTime: Date.now() });
      case 'enrol.start':
        return this.startEnrolment(msg.name, msg.samples);
      case 'enrol.cancel':
        if (!this.enrolment) return this.protocolError('out_of_order', 'enrol.cancel without an enrolment in progress');
        this.enrolment = null;
        return this.socket.send({ type: 'enrol.cancelled', reason: 'cancelled by client' });
    }
  }

  private hello(protocol: number, camera: string | undefined): void {
    if (this.ready) return this.protocolError('out_of_order', 'hello sent twice');
    if (protocol !== PROTOCOL_VERSION) {
      return this.close(CLOSE_CODES.unsupportedProtocol, `protocol ${protocol} is not supported; this server speaks ${PROTOCOL_VERSION}`);
    }
    clearTimeout(this.helloTimer);
    this.ready = true;
    this.camera = camera ?? '';
    const { config, analyzer, serverVersion } = this.deps;
    this.socket.send({
      type: 'welcome',
      protocol: PROTOCOL_VERSION,
      sessionId: this.id,
      server: { version: serverVersion, backend: analyzer.backend, model: analyzer.modelId },
      limits: { maxMessageBytes: config.MAX_MESSAGE_BYTES, maxFramePixels: config.MAX_FRAME_PIXELS, maxFramesInFlight: config.MAX_FRAMES_IN_FLIGHT },
    });
  }

  private startEnrolment(name: string, samples: number | undefined): void {
    if (this.enrolment || this.committing) return this.protocolError('out_of_order', 'an enrolment is already in progress on this connection');
    const c = this.deps.config;
    const rules: CaptureRules = {
      required: samples ?? c.ENROL_SAMPLES,
      minFacePx: c.ENROL_MIN_FACE_PX,
      minConfidence: c.DETECT_MIN_CONFIDENCE,
      maxAngle: c.ENROL_MAX_ANGLE,
      maxSimilarityToTaken: c.ENROL_MAX_SIMILARITY,
    };
    this.enrolment = new EnrolmentCapture(name, rules);
    this.socket.send({ type: 'enrol.started', name, required: rules.required });
  }

  private protocolError(code: ErrorCode, message: string, seq?: number): void {
    this.errors += 1;
    this.socket.send({ type: 'error', code, message, ...(seq === undefined ? {} : { seq }) });
    if (this.errors >= this.deps.config.MAX_PROTOCOL_ERRORS) this.close(CLOSE_CODES.tooManyErrors, 'too many protocol errors');
  }

  /** Processes frames until none is waiting. Only one runs per session, so frames never pile up. */
  private async runFrames(first: PendingFrame): Promise<void> {
    this.processing = true;
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
    }
  }

  private async processFrame(frame: PendingFrame): Promise<void> {
    const started = performance.now();
    const queue = started - frame.receivedAt;
    const result = await this.deps.analyzer.analyze(frame.jpeg, this.deps.config.MAX_FRAME_PIXELS);
    if (!result.ok) return this.protocolError(result.code, result.message, frame.header.seq);
    const analyzed = result.frame;
    let embedMs = 0;
    try {
      const { trackIds, needEmbedding } = this.tracker.update(analyzed.faces.map((f) => f.box));
      const enrolment = this.enrolment && !this.committing ? this.enrolment : null;
      const view = enrolment ? checkView(analyzed.faces, enrolment.rules) : null;
      const toEmbed = view?.ok && !needEmbedding.includes(0) ? [...needEmbedding, 0] : needEmbedding;
      const t0 = performance.now();
      const embeddings = toEmbed.length > 0 ? await analyzed.embed(toEmbed) : [];
      embedMs = performance.now() - t0;
      const { gallery, config } = this.deps;
      toEmbed.forEach((faceIndex, k) => {
        if (!needEmbedding.includes(faceIndex)) return;
        const top = gallery.search(embeddings[k]!.embedding, 1)[0];
        const matched = top && top.score >= config.MATCH_THRESHOLD;
        this.tracker.vote(trackIds[faceIndex]!, { personId: matched ? top.personId : null, name: matched ? top.name : null, score: top?.score ?? 0 });
      });
      if (enrolment && view) {
        const verdict = view.ok ? enrolment.offer(analyzed.faces[0]!, embeddings[toEmbed.indexOf(0)]!) : view;
        this.socket.send({
          type: 'enrol.progress',
          seq: frame.header.seq,
          collected: enrolment.views.length,
          required: enrolment.rules.required,
          accepted: verdict.ok,
          reason: verdict.ok ? null : verdict.reason,
        });
        if (enrolment.complete) void this.commit(enrolment);
      }
    } finally {
      analyzed.release();
    }
    this.stats.processed += 1;
    const tracks: Track[] = this.tracker.visible().map((t) => ({
      id: t.id,
      box: [t.box.x, t.box.y, t.box.width, t.box.height],
      personId: t.personId,
      name: t.name,
      score: t.score,
      state: t.state,
    }));
    this.socket.send({
      type: 'overlay',
      seq: frame.header.seq,
      captureTime: frame.header.captureTime,
      width: analyzed.width,
      height: analyzed.height,
      tracks,
      timings: { queue, decode: analyzed.timings.decode, detect: analyzed.timings.detect, embed: embedMs, total: performance.now() - frame.receivedAt },
      stats: { ...this.stats },
    });
  }

  private async commit(enrolment: EnrolmentCapture): Promise<void> {
    this.committing = true;
    try {
      const result = await commitViews(this.deps.enrolment, enrolment.name, enrolment.views);
      if (this.enrolment === enrolment) this.enrolment = null;
      this.deps.log.info('enrolled', { person: result.personId, name: result.name, faces: result.faceIds.length, created: result.created });
      if (!this.closed) this.socket.send({ type: 'enrol.done', personId: result.personId, name: result.name, faces: result.faceIds.length, created: result.created });
    } catch (err) {
      this.deps.log.error('enrolment commit failed', { name: enrolment.name, error: String(err) });
      if (this.enrolment === enrolment) this.enrolment = null;
      if (!this.closed) {
        this.protocolError('enrol_failed', `enrolment of "${enrolment.name}" could not be saved; nothing was stored`);
        this.socket.send({ type: 'enrol.cancelled', reason: 'could not be saved' });
      }
    } finally {
      this.committing = false;
    }
  }
}
