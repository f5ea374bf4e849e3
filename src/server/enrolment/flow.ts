// The enrolment side of a session: enrol.start / enrol.cancel, per-frame gating of candidate views, progress messages,
// the duplicate-person stop, and the commit. Nothing is stored until every view is collected.
import type { GateCode, Pose, ServerMessage } from '../../shared/protocol.js';
import type { Config } from '../config.js';
import type { Gallery, Match } from '../gallery/gallery.js';
import type { Logger } from '../log.js';
import type { FaceDetection } from '../vision/detector.js';
import type { FaceEmbedding } from '../vision/embedder.js';
import { EnrolmentCapture, type ViewVerdict } from './capture.js';
import { commitViews, type EnrolmentDeps } from './commit.js';
import { RefusalWindow } from './hints.js';
import { enrolmentRules } from './rules.js';
import type { MatchPolicy } from '../recognition/match-policy.js';

export interface EnrolmentFlowDeps {
  config: Config;
  gallery: Gallery;
  /** The duplicate-person gate's threshold comes from the match policy. */
  policy: Pick<MatchPolicy, 'duplicateThreshold'>;
  enrolment: EnrolmentDeps;
  log: Logger;
  send: (msg: ServerMessage) => void;
  protocolError: (code: 'out_of_order' | 'enrol_failed', message: string) => void;
  isClosed: () => boolean;
  /** Milliseconds, monotonic; injectable for tests. */
  now?: () => number;
}

/** An enrolment in progress: the capture plus what keeps it from stalling (time limit, pose skipping, hints). */
interface Running {
  capture: EnrolmentCapture;
  startedAt: number;
  timer: ReturnType<typeof setTimeout>;
  refusals: RefusalWindow;
  /** When the last view was taken (or the enrolment started). */
  lastViewAt: number;
  /** The pose being asked for, and since when the person has been showing a different one (null: not yet). */
  wanted: { pose: Pose | null; since: number | null };
}

export class EnrolmentFlow {
  private running: Running | null = null;
  private committing = false;

  constructor(private readonly deps: EnrolmentFlowDeps) {}

  private get capture(): EnrolmentCapture | null {
    return this.running?.capture ?? null;
  }

  private now(): number {
    return this.deps.now ? this.deps.now() : performance.now();
  }

  /** An enrolment is collecting views (not while it is being committed). */
  get collecting(): boolean {
    return this.running !== null && !this.committing;
  }

  /** An enrolment was started on this session: it is an enrolment camera, not an attendance one. */
  everStarted = false;

  start(name: string, samples: number | undefined, allowDuplicate: boolean): void {
    if (this.running || this.committing) return this.deps.protocolError('out_of_order', 'an enrolment is already in progress on this connection');
    const rules = enrolmentRules(this.deps.config, this.deps.policy, samples ?? this.deps.config.ENROL_SAMPLES, { kind: 'live', allowDuplicate });
    const capture = new EnrolmentCapture(name, rules);
    this.everStarted = true;
    const now = this.now();
    const timer = setTimeout(() => this.timeUp(capture), this.deps.config.ENROL_TIMEOUT_MS);
    timer.unref?.();
    this.running = { capture, startedAt: now, lastViewAt: now, timer, refusals: new RefusalWindow(), wanted: { pose: capture.plan.wanted(), since: null } };
    this.deps.send({ type: 'enrol.started', name, required: rules.required, poses: rules.poses, timeoutMs: this.deps.config.ENROL_TIMEOUT_MS });
  }

  cancel(): void {
    if (!this.running) return this.deps.protocolError('out_of_order', 'enrol.cancel without an enrolment in progress');
    this.stop();
    this.deps.send({ type: 'enrol.cancelled', reason: 'cancelled by client', code: 'cancelled' });
  }

  /** The client went away: whatever was collected is dropped (nothing of it was written). */
  drop(): void {
    this.stop();
  }

  private stop(): void {
    if (this.running) clearTimeout(this.running.timer);
    this.running = null;
  }

  /**
   * ENROL_TIMEOUT_MS passed: an enrolment never hangs. With ENROL_MIN_SAMPLES views it is saved with what it has;
   * otherwise it ends as `timeout`, naming what was refused most often so the operator knows what to fix.
   */
  private timeUp(capture: EnrolmentCapture): void {
    const running = this.running;
    if (!running || running.capture !== capture || this.committing) return;
    const { config } = this.deps;
    const enough = Math.min(config.ENROL_MIN_SAMPLES, capture.rules.required);
    if (capture.views.length >= enough && capture.views.length > 0) {
      this.deps.log.info('enrolment time limit: saving the views collected', {
        name: capture.name,
        views: capture.views.length,
        required: capture.rules.required,
      });
      void this.commit(capture);
      return;
    }
    const top = running.refusals.mostFrequent();
    this.stop();
    this.deps.log.info('enrolment time limit: not enough views', { name: capture.name, views: capture.views.length, mostRefused: top });
    this.deps.send({
      type: 'enrol.cancelled',
      code: 'timeout',
      reason:
        `time limit of ${Math.round(config.ENROL_TIMEOUT_MS / 1000)} s reached with ${capture.views.length} of ${capture.rules.required} views` +
        (top ? `; most views were refused as ${top}` : '; no face was seen') +
        `: ${nextStep(top)}, or add photos of them on the People page`,
      ...(top ? { mostRefused: top } : {}),
    });
  }

  /** Gates this frame's faces; null when no enrolment is collecting. An ok verdict means: embed face 0. */
  check(faces: FaceDetection[]): ViewVerdict | null {
    return this.collecting ? this.capture!.checkFrame(faces) : null;
  }

  /**
   * A pose the person keeps failing to show is dropped from the plan after ENROL_POSE_SKIP_MS, so someone who cannot
   * turn still finishes. The time counts from the first refused frame that showed one face in another pose, whatever
   * refused it (`pose_done`, but also `same_view` or `blurry` while a spare slot lets that pose through): an empty or
   * crowded view is no reason to skip anything, and neither is the wanted pose shown badly.
   */
  private skipStalledPose(running: Running, verdict: ViewVerdict, now: number): void {
    const plan = running.capture.plan;
    const wanted = plan.wanted();
    if (wanted !== running.wanted.pose) running.wanted = { pose: wanted, since: null };
    if (!wanted || verdict.ok || verdict.pose === undefined || verdict.pose === wanted) return;
    running.wanted.since ??= now;
    if (now - running.wanted.since >= this.deps.config.ENROL_POSE_SKIP_MS) {
      plan.skip(wanted);
      this.deps.log.info('enrolment pose skipped', { name: running.capture.name, pose: wanted });
      running.wanted = { pose: plan.wanted(), since: null };
    }
  }

  /** Reports the frame's verdict; when it passed the detection gates, offers face 0's embedding. */
  report(seq: number, faces: FaceDetection[], check: ViewVerdict, embedded: FaceEmbedding | undefined, candidates: Match[]): void {
    const running = this.running;
    if (!running || this.committing) return;
    const capture = running.capture;
    const now = this.now();
    const verdict = check.ok && embedded ? capture.offer(faces[0]!, embedded, candidates) : check;
    if (!verdict.ok) running.refusals.add(verdict.code as GateCode, verdict.reason, now);
    else running.lastViewAt = now;
    this.skipStalledPose(running, verdict, now);
    this.deps.send({
      type: 'enrol.progress',
      seq,
      collected: capture.views.length,
      required: capture.rules.required,
      accepted: verdict.ok,
      reason: verdict.ok ? null : verdict.reason,
      code: verdict.ok ? null : (verdict.code as GateCode),
      hint: verdict.ok ? null : running.refusals.hint(now),
      pose: verdict.pose ?? null,
      poses: { done: capture.plan.done(), wanted: capture.plan.wanted(), skipped: capture.plan.skipped() },
      remainingMs: Math.max(0, Math.round(this.deps.config.ENROL_TIMEOUT_MS - (now - running.startedAt))),
    });
    if (!verdict.ok && verdict.duplicate) {
      const d = verdict.duplicate;
      this.stop();
      this.deps.log.info('enrolment stopped: duplicate', { name: capture.name, matches: d.personId, score: d.score });
      this.deps.send({
        type: 'enrol.cancelled',
        code: 'duplicate',
        reason: `${verdict.reason}; confirm to enrol "${capture.name}" anyway`,
        duplicate: { personId: d.personId, name: d.name, score: d.score },
      });
      return;
    }
    if (capture.complete || this.stalled(running, now)) void this.commit(capture);
  }

  /**
   * Enough views (ENROL_MIN_SAMPLES) and no new one for ENROL_STALL_MS: the person is holding still (or the camera
   * shows a photo) and more frames would only be refused as the same view, so save what there is now rather than at
   * the time limit.
   */
  private stalled(running: Running, now: number): boolean {
    const { config } = this.deps;
    const enough = Math.min(config.ENROL_MIN_SAMPLES, running.capture.rules.required);
    return running.capture.views.length >= enough && now - running.lastViewAt >= config.ENROL_STALL_MS;
  }

  private async commit(capture: EnrolmentCapture): Promise<void> {
    this.committing = true;
    if (this.running) clearTimeout(this.running.timer);
    const { deps } = this;
    try {
      const result = await commitViews(deps.enrolment, capture.name, capture.views);
      deps.log.info('enrolled', {
        person: result.personId,
        name: result.name,
        faces: result.faceIds.length,
        created: result.created,
        poses: capture.views.map((v) => v.pose),
      });
      if (!deps.isClosed())
        deps.send({ type: 'enrol.done', personId: result.personId, name: result.name, faces: result.faceIds.length, created: result.created });
    } catch (err) {
      deps.log.error('enrolment commit failed', { name: capture.name, error: String(err) });
      if (!deps.isClosed()) {
        deps.protocolError('enrol_failed', `enrolment of "${capture.name}" could not be saved; nothing was stored`);
        deps.send({ type: 'enrol.cancelled', reason: 'could not be saved', code: 'failed' });
      }
    } finally {
      if (this.capture === capture) this.running = null;
      this.committing = false;
    }
  }
}

/** What a person whose enrolment ran out of time can do about the refusal seen most often. */
export function nextStep(code: GateCode | null): string {
  switch (code) {
    case null:
    case 'no_face':
      return 'face the camera from closer, with your whole face in the picture';
    case 'multiple_faces':
      return 'make sure only one person is in view';
    case 'too_small':
      return 'come closer to the camera';
    case 'low_confidence':
    case 'not_frontal':
      return 'look straight at the camera, face uncovered';
    case 'not_live':
      return 'stand in front of the camera yourself (not a photo or a screen), in even light';
    case 'too_dark':
      return 'add light in front of you';
    case 'too_bright':
      return 'move away from bright light or a window behind the camera';
    case 'blurry':
      return 'hold still for a moment, and check the lens is clean';
    case 'pose_done':
    case 'same_view':
      return 'move your head a little between views, as the prompt asks';
    case 'duplicate_person':
      return 'check on the People page whether they are already enrolled';
  }
}
