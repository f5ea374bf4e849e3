// One camera's frame pipeline: detect -> track -> embed what the tracker asks for -> search -> match policy -> vote,
// returning the overlay's track views. It owns the tracker and the liveness memory; the session owns the socket.
import type { Track } from '../../shared/protocol.js';
import type { Config } from '../config.js';
import type { Match } from '../gallery/gallery.js';
import { FrameClock } from '../tracking/clock.js';
import { LivenessMemory } from '../tracking/liveness-memory.js';
import { DEFAULT_LIVENESS_EVIDENCE, LivenessEvidence, type LivenessVerdict, type TrackLiveness } from '../tracking/liveness-evidence.js';
import { Tracker, type TrackerOptions, type TrackSnapshot } from '../tracking/tracker.js';
import type { Vote } from '../tracking/voting.js';
import type { AnalyzedFrame, FaceAnalyzer } from '../vision/analyzer.js';
import type { FaceDetection } from '../vision/detector.js';
import type { FaceEmbedding } from '../vision/embedder.js';
import { readImageHeader } from '../vision/decode.js';
import type { LivenessScores, MatchPolicy } from './match-policy.js';
import { AnswerBudget, FRAME_MS_AT_15_FPS } from './answer-budget.js';

/** The gallery as the pipeline reads it: a synchronous or off-thread search both fit. */
export interface GallerySearch {
  search(embedding: Float32Array, k: number): Match[] | Promise<Match[]>;
}

/**
 * Waits for `work` for at most `budgetMs` (null: as long as it takes). `done: false` when the budget ran out first; the
 * work goes on, and the caller owns its result and errors from then on.
 */
async function withinBudget<T>(work: Promise<T>, budgetMs: number | null): Promise<{ done: true; value: T } | { done: false }> {
  if (budgetMs === null) return { done: true, value: await work };
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<{ done: false }>((resolve) => (timer = setTimeout(() => resolve({ done: false }), budgetMs)));
  try {
    return await Promise.race([work.then((value) => ({ done: true as const, value })), expired]);
  } finally {
    clearTimeout(timer);
  }
}

type TrackerConfig = Pick<
  Config,
  'TRACK_MIN_IOU' | 'TRACK_MAX_MISSES' | 'VOTE_WINDOW' | 'REEMBED_EVERY' | 'TRACK_GATE' | 'TRACK_MAX_MISS_MS' | 'TRACK_CONFIRM_GAP_MS'
>;

/** The tracker's options from the server's settings. */
export function trackerOptionsOf(c: TrackerConfig): TrackerOptions {
  return {
    minIou: c.TRACK_MIN_IOU,
    maxMisses: c.TRACK_MAX_MISSES,
    voteWindow: c.VOTE_WINDOW,
    reembedEvery: c.REEMBED_EVERY,
    gate: c.TRACK_GATE,
    maxMissMs: c.TRACK_MAX_MISS_MS,
    confirmGapMs: c.TRACK_CONFIRM_GAP_MS,
  };
}

export interface PipelineSettings {
  tracker: TrackerOptions;
  /** Largest decoded frame (width * height) this server accepts. */
  maxFramePixels: number;
  /**
   * Detect at most this often (ms of capture time); frames in between, while every track is settled, are answered
   * with the tracker's predicted boxes. 0: detect every frame.
   */
  detectIntervalMs: number;
}

export interface PipelineDeps {
  analyzer: FaceAnalyzer;
  gallery: GallerySearch;
  policy: MatchPolicy;
  /** A re-check running after its frame was answered failed (the frame's overlay is long sent). */
  onBackgroundError?: (err: unknown) => void;
}

/** An enrolment in progress on the same camera: its gates see every frame, and it gets face 0's embedding. */
export interface EnrolmentProbe<C extends { ok: boolean }> {
  readonly collecting: boolean;
  /** The gates on this frame's detections, or null when no enrolment is collecting. */
  check(faces: FaceDetection[]): C | null;
  report(seq: number, faces: FaceDetection[], check: C, embedded: FaceEmbedding | undefined, candidates: Match[]): void;
}

/** A face that matched nobody on this frame: a candidate unknown sighting. */
export interface UnmatchedFace {
  trackId: number;
  embedding: Float32Array;
  chip: Uint8Array;
  /** 0..1: detector confidence, size and how frontal it is. */
  quality: number;
  bestScore: number | null;
  bestPersonId: string | null;
}

export interface FrameInput {
  jpeg: Uint8Array;
  seq: number;
  /** The client's capture time (ms): spaces the tracker's motion steps while it agrees with `receivedAt` (FrameClock). */
  captureTime: number;
  /** When the server received the frame (ms, performance.now()); defaults to when process() is called. */
  receivedAt?: number;
}

/** A face that matched an enrolled person on this frame: a candidate for the recognition history. */
export interface MatchedFace {
  trackId: number;
  personId: string;
  score: number;
  embedding: Float32Array;
  chip: Uint8Array;
  /** 0..1: detector confidence, size and how frontal it is. */
  quality: number;
}

/** A face the presentation-attack stage refused (its track's evidence says attack): a candidate security event. */
export interface RefusedFace {
  trackId: number;
  chip: Uint8Array;
  /** The track's evidence: frames checked, attack frames, the last frame's "real" probability. */
  liveness: TrackLiveness;
  /** The closest enrolled person whatever the score (null with an empty gallery). */
  best: Match | null;
  /** Who the face would have been named as: `best` when at or above the match threshold, else null. */
  wouldBe: Match | null;
}

export interface FrameOptions<C extends { ok: boolean }> {
  enrolment?: EnrolmentProbe<C>;
  /** Called for each face the presentation-attack stage refused (such a face is never reported as unmatched). */
  onRefused?: (face: RefusedFace) => void;
  /** Called for each face that matched nobody; absent where faces never become sightings. */
  onUnmatched?: (face: UnmatchedFace) => void;
  /** Called for each face that matched someone; absent where faces never become recognition history. */
  onMatched?: (face: MatchedFace) => void;
}

/** One frame's embedding work: the faces to embed, those whose tracks vote, and the enrolment check it carries. */
interface EmbedJob<C> {
  analyzed: AnalyzedFrame;
  toEmbed: number[];
  needEmbedding: number[];
  trackIds: number[];
  check: C | null;
  seq: number;
}

export type FrameOutcome =
  | {
      ok: true;
      width: number;
      height: number;
      tracks: Track[];
      /** The tracker's view of the same tracks (for attendance). */
      visible: TrackSnapshot[];
      timings: { decode: number; detect: number; embed: number };
      /** No detection ran: the boxes are the tracker's prediction for this frame's time. */
      predicted: boolean;
    }
  | { ok: false; code: 'bad_image' | 'frame_too_large'; message: string };

/** Sighting quality: a confident, large, frontal face is the one worth keeping. */
export function sightingQuality(face: FaceDetection): number {
  const side = Math.min(face.box.width, face.box.height);
  return face.score * Math.min(1, side / 150) * Math.cos(Math.min(1.5, Math.abs(face.pose.yaw)));
}

/** What a vote was decided from (kept in the tracker's vote): decided again from it when the gallery changes. */
interface VoteEvidence {
  embedding: Float32Array;
  liveness: LivenessScores;
}

const voteOf = (match: Match | null, best: Match | null, evidence: VoteEvidence): Vote => ({
  personId: match?.personId ?? null,
  name: match?.name ?? null,
  score: best?.score ?? 0,
  bestPersonId: best?.personId ?? null,
  evidence,
});

export class FramePipeline {
  private readonly tracker: Tracker;
  private readonly liveness = new LivenessMemory();
  /** The previous frame had tracks still deciding who they are: detect the next one rather than predict it. */
  private deciding = true;
  /** The tracker's clock: the client's capture times while they agree with the server's receive clock (tracking/clock.ts). */
  private readonly clock = new FrameClock();
  /** Frames answered by prediction since the last detected one. */
  private coastedInRow = 0;
  /** Tracker time, receive time and size of the last frame that was detected. */
  private lastDetected: { at: number; receivedAt: number; width: number; height: number } | null = null;
  /** Re-checks of already named tracks, embedding after their frame was answered; the next detection waits for them. */
  private checking: Promise<void> | null = null;
  /** The gallery changed since the last frame: the tracks' votes are decided again before the next one is answered. */
  private revoteDue = false;
  /**
   * The last detected frame's picture when it showed no one (motion.ts): a frame within the detection interval whose
   * picture has not changed since is not detected. Tracks missed on it (a face that left) can only come back by moving
   * into the picture, which is a change.
   */
  private emptyPicture: { width: number; height: number; motion: Uint8Array } | null = null;
  /** The last detected frame showed no one: the next one's signature is wanted even if it has (perhaps hidden) boxes. */
  private showedNoOne = true;
  /** The client's frame gap, and how long a frame may wait for its embedding (answerBudgetMs). */
  private readonly budget = new AnswerBudget();

  constructor(
    private readonly deps: PipelineDeps,
    private readonly settings: PipelineSettings,
  ) {
    this.tracker = new Tracker(settings.tracker);
    // A decisive attack frame is an attack frame: never above the threshold at which a frame counts as real.
    const { minSpoof } = deps.policy;
    this.spoofEvidence = new LivenessEvidence({
      ...DEFAULT_LIVENESS_EVIDENCE,
      minReal: minSpoof,
      refuseBelow: Math.min(DEFAULT_LIVENESS_EVIDENCE.refuseBelow, minSpoof),
    });
  }

  /**
   * Someone enrolled, was renamed, merged or deleted: every track's votes are decided again, from the embeddings they
   * were cast on, before the next frame is answered. Searching a kept embedding costs a gallery search; embedding the
   * face again cost an inference a track and a vote window of frames, on every camera, at every change (a gallery
   * import changes it every batch).
   */
  galleryChanged(): void {
    this.revoteDue = true;
  }

  private async revote(): Promise<void> {
    this.revoteDue = false;
    const { policy, gallery } = this.deps;
    const evidence = this.tracker.voteEvidence() as VoteEvidence[];
    const found = new Map(await Promise.all(evidence.map(async (e) => [e, await gallery.search(e.embedding, 2)] as const)));
    this.tracker.revote((vote) => {
      const e = vote.evidence as VoteEvidence | undefined;
      if (!e) return null;
      const candidates = found.get(e);
      // Cast while the searches ran (a re-check that finished meanwhile): decided on the changed gallery already.
      if (!candidates) return vote;
      const { match, best } = policy.decide(candidates, e.liveness);
      return voteOf(match, best, e);
    });
  }

  /** Resolves when no re-check is running (shutdown and tests wait for it). */
  async idle(): Promise<void> {
    while (this.checking) await this.checking;
  }

  async process<C extends { ok: boolean }>(frame: FrameInput, opts: FrameOptions<C> = {}): Promise<FrameOutcome> {
    const { analyzer } = this.deps;
    const receivedAt = frame.receivedAt ?? performance.now();
    this.budget.noteArrival(receivedAt);
    const now = this.clock.tick(frame.captureTime, receivedAt).now;
    if (this.revoteDue) await this.revote();
    // While an embedding of an answered frame runs, the inference thread is busy anyway: frames within the detection
    // interval are answered by prediction meanwhile, after waiting for it as long as a frame would (answerBudgetMs), so
    // its votes count on this frame when it finishes in time; a later frame waits for it, so it never holds detection
    // back for longer. (Detecting a frame whose wait ended in time instead cost six busy cameras 0.3-0.6 fps and 67-80 ms
    // of detected-frame p95, for names at most 23 ms sooner at p95; so did detecting every frame of faces close
    // together: docs/scaling.md.)
    if (this.checking && this.withinInterval(now, receivedAt, opts.enrolment)) {
      const budget = this.answerBudgetMs(false);
      if (budget !== null) await withinBudget(this.checking, budget);
      return this.coast(frame, now);
    }
    await this.idle();
    if (this.withinInterval(now, receivedAt, opts.enrolment) && !this.deciding && this.tracker.settled()) return this.coast(frame, now);
    // A camera showing no one is detected on every frame that changed, so a face is seen on the frame it enters; one
    // whose picture has not changed since the last detected frame is detected only every DETECT_INTERVAL_MS.
    const stillSince = this.emptyPicture && this.withinInterval(now, receivedAt, opts.enrolment) ? this.emptyPicture : undefined;
    // Live frames skip Human's face mesh unless an enrolment reads its head pose on every frame (analyzer.ts `mesh`);
    // the faces that get embedded are still cropped from the mesh, so embeddings are the same.
    // Read once: an enrolment that starts while this frame is analysed gates the next one, not this live-path frame
    // (its faces have no head pose, and may be tentative boxes the mesh rejects).
    const collecting = opts.enrolment?.collecting ?? false;
    const result = await analyzer.analyze(frame.jpeg, this.settings.maxFramePixels, {
      liveness: this.wantsLiveness({ collecting }),
      mesh: collecting,
      // An enrolment view's crop is stored: its wide chip holds the ArcFace crop whole (vision/chip-geometry.ts).
      wideChips: collecting,
      ...(stillSince ? { stillSince } : {}),
      ...(this.showedNoOne ? { signature: true } : {}),
    });
    if (!result.ok) return result;
    if (result.frame.still) return this.unchangedPicture(result.frame, now);
    const analyzed = result.frame;
    const faceOfTrack = new Map<number, FaceDetection>();
    let embedMs = 0;
    let deferred = false;
    try {
      const { trackIds, needEmbedding } = this.tracker.update(
        analyzed.faces.map((f) => f.box),
        { now, trusted: true, tentative: analyzed.faces.map((f) => f.tentative === true), picture: { width: analyzed.width, height: analyzed.height } },
      );
      trackIds.forEach((id, i) => faceOfTrack.set(id, analyzed.faces[i]!));
      this.deciding = needEmbedding.length > 0;
      const check = collecting ? (opts.enrolment?.check(analyzed.faces) ?? null) : null;
      // An enrolment view is face 0 (its gates allow exactly one face): embed it even if its track needs no vote.
      const toEmbed = check?.ok && !needEmbedding.includes(0) ? [...needEmbedding, 0] : needEmbedding;
      // Only the periodic "still the same person?" checks of settled tracks: one vote among a full window changes no
      // name, so the frame is answered now and the vote lands when the embedding is done. Naming a new track, and
      // checking one that jumped, came back or disagreed, wait for their vote within the answer budget; past it the
      // frame shows what the tracker shows without that vote: a new track pending, a doubted one withheld
      // (tracker.ts shownIdentity), a named one whose votes so far agree by its name.
      deferred = !check && needEmbedding.length > 0 && needEmbedding.every((i) => this.tracker.routineCheck(trackIds[i]!));
      const job = { analyzed, toEmbed, needEmbedding, trackIds, check, seq: frame.seq };
      const voting = this.embedAndVote(job, opts);
      if (!deferred) {
        const waited = await withinBudget(voting, this.answerBudgetMs(check !== null));
        if (waited.done) embedMs = waited.value;
        else deferred = true;
      }
      if (deferred) {
        this.checking = voting
          .then(
            () => undefined,
            (err) => this.deps.onBackgroundError?.(err),
          )
          .finally(() => {
            analyzed.release();
            this.checking = null;
          });
      }
    } finally {
      if (!deferred) analyzed.release();
    }
    const visible = this.tracker.visible();
    this.liveness.update(visible.map((t) => ({ id: t.id, real: faceOfTrack.get(t.id)?.spoof ?? this.spoofEvidence.get(t.id).lastReal })));
    this.spoofEvidence.retain(visible.map((t) => t.id)); // presentation-attack stage (issue 17)
    this.lastDetected = { at: now, receivedAt, width: analyzed.width, height: analyzed.height };
    this.coastedInRow = 0;
    const { motion } = analyzed;
    // A picture that shows no one: no detection, or only boxes kept hidden (the mesh rejected them, or has yet to confirm
    // a tentative one). Unchanged, the next frames skip detection as an empty room's do; detection still runs every
    // DETECT_INTERVAL_MS (withinInterval), which is when a hidden box's retry or confirmation lands. A poster or a lamp
    // the detector takes for a face otherwise cost a detection on every frame of an empty room.
    this.showedNoOne = visible.length === 0;
    this.emptyPicture = motion && this.showedNoOne ? { width: analyzed.width, height: analyzed.height, motion } : null;
    return {
      ok: true,
      width: analyzed.width,
      height: analyzed.height,
      tracks: visible.map((t) => this.view(t)),
      visible,
      timings: { decode: analyzed.timings.decode, detect: analyzed.timings.detect, embed: embedMs },
      predicted: false,
    };
  }

  /**
   * How long a frame waits for its embedding before it is answered without it (issue 20), or null to wait for it. A
   * camera's next frames queue behind a frame that waits, so one whose embedding outlasts most of the client's frame
   * gap (another camera's embedding ahead of it on a busy inference thread) is answered with what the earlier votes
   * showed: a new track pending, a named one as before. Its votes land when the embedding is done, as a routine
   * check's do, and the next frames are predicted meanwhile. An enrolment view waits (its overlay carries the gates'
   * verdict), and so does a camera that requires liveness: the presentation-attack evidence counts checked frames, and
   * predicted ones would slow it down. A slow client's gap is long, so its frames still wait in practice.
   */
  private answerBudgetMs(enrolmentView: boolean): number | null {
    return this.budget.budgetMs(enrolmentView || this.deps.policy.requireLive);
  }

  /** Embeds the faces, searches the gallery, votes and reports; returns the embedding time (ms). Does not release the frame. */
  private async embedAndVote<C extends { ok: boolean }>(job: EmbedJob<C>, opts: FrameOptions<C>): Promise<number> {
    const { analyzed, toEmbed, needEmbedding, trackIds, check } = job;
    const { policy } = this.deps;
    const t0 = performance.now();
    // A face that may be stored (an unknown sighting, a recognition) can become an enrolled face later (promoted, added
    // to a person): it keeps the wide chip, which holds every model's crop (vision/chip-geometry.ts), for about 1 ms
    // more a face embedded (of ~25: within noise over 60 fixture faces). Attack crops (onRefused) are never enrolled and keep the plain chip.
    const keep = opts.onUnmatched !== undefined || opts.onMatched !== undefined;
    const embeddings = toEmbed.length > 0 ? await analyzed.embed(toEmbed, keep ? { wideChips: true } : undefined) : [];
    const embedMs = performance.now() - t0;
    // A face the mesh did not confirm has no embedding (analyzer.ts): nothing to search.
    const candidates = await Promise.all(embeddings.map(async (e) => (e.mesh?.confirmed === false ? [] : this.deps.gallery.search(e.embedding, 2))));
    // Presentation-attack stage (issue 17), on the faces the mesh confirmed: a box it rejected is dropped below anyway.
    const meshFaces = needEmbedding.filter((f) => embeddings[toEmbed.indexOf(f)]?.mesh?.confirmed !== false);
    const verdicts = await this.spoofVerdicts(analyzed, meshFaces, trackIds);
    toEmbed.forEach((faceIndex, k) => {
      if (!needEmbedding.includes(faceIndex)) return;
      const trackId = trackIds[faceIndex]!;
      const embedded = embeddings[k]!;
      // The quick detector's box held no face by the mesh (a false detection): not shown, named, counted or embedded
      // again while its track lasts (dropping it would make the same box a new track, embedded, on the next frame).
      if (embedded.mesh?.confirmed === false) return this.tracker.reject(trackId);
      // ...and a box the mesh confirms is a face from now on, whether or not it votes on this frame (below).
      this.tracker.meshConfirmed(trackId);
      const face = embedded.mesh ? { ...analyzed.faces[faceIndex]!, box: embedded.mesh.box, pose: embedded.mesh.pose } : analyzed.faces[faceIndex]!;
      // Presentation-attack stage (issue 17): a track still gathering evidence, or withheld by a short run of attack
      // frames, does not vote yet (it is embedded and checked again on the next frame); a refused one votes as nobody.
      const verdict = verdicts?.get(trackId);
      if (verdict === 'pending') return;
      const liveness: LivenessScores = verdict ? { verdict } : { spoof: face.spoof };
      const { match, best } = policy.decide(candidates[k]!, liveness);
      this.tracker.vote(trackId, voteOf(match, best, { embedding: embedded.embedding, liveness }));
      if (match && opts.onMatched) {
        opts.onMatched({
          trackId,
          personId: match.personId,
          score: match.score,
          embedding: embedded.embedding,
          chip: embedded.wideChip ?? embedded.chip,
          quality: sightingQuality(face),
        });
      }
      // Presentation-attack stage (issue 17): a refused face votes as nobody (above) and is reported as an attack, not
      // as an unknown face: a replayed colleague must not become an unknown sighting to be enrolled from.
      if (verdict === 'refused') {
        const wouldBe = best && best.score >= policy.threshold ? best : null;
        opts.onRefused?.({ trackId, chip: embedded.chip, liveness: this.spoofEvidence.get(trackId), best, wouldBe });
        return;
      }
      if (!match && opts.onUnmatched) {
        opts.onUnmatched({
          trackId,
          embedding: embedded.embedding,
          chip: embedded.wideChip ?? embedded.chip,
          quality: sightingQuality(face),
          bestScore: best?.score ?? null,
          bestPersonId: best?.personId ?? null,
        });
      }
    });
    if (check && opts.enrolment) {
      const k = toEmbed.indexOf(0);
      // A view whose face the mesh rejected has no embedding (a live frame analysed before the enrolment began to
      // collect, whose gates read it once it had): reported as not embedded.
      const embedded = check.ok && embeddings[k]?.mesh?.confirmed !== false ? embeddings[k] : undefined;
      opts.enrolment.report(job.seq, analyzed.faces, check, embedded, k >= 0 ? candidates[k]! : []);
    }
    return embedMs;
  }

  /**
   * A frame may skip detection when it comes within the detection interval of the last detected one, no enrolment is
   * collecting views, and (checked by the caller) no track is still voting or due a check, so coasting never delays a
   * name. Both the tracker's clock and the server's receive clock must say so: whatever a client stamps, a camera is
   * detected at least every DETECT_INTERVAL_MS of real time.
   */
  private withinInterval(now: number, receivedAt: number, enrolment: { collecting: boolean } | undefined): boolean {
    if (!this.lastDetected || this.settings.detectIntervalMs <= 0 || enrolment?.collecting) return false;
    // And never more frames in a row than a 15 fps camera has in the interval: a client that sends faster than real time
    // (a clip replayed in a burst, frozen stamps) could otherwise have a changed scene answered with the old one's boxes.
    if (this.coastedInRow >= Math.max(1, Math.round(this.settings.detectIntervalMs / FRAME_MS_AT_15_FPS) - 1)) return false;
    const since = now - this.lastDetected.at;
    const sinceReceived = receivedAt - this.lastDetected.receivedAt;
    return since > 0 && since < this.settings.detectIntervalMs && sinceReceived < this.settings.detectIntervalMs;
  }

  /** The tracks at their predicted boxes; the frame's pixels are never decoded, its header is still checked. */
  private async coast(frame: FrameInput, now: number): Promise<FrameOutcome> {
    const header = await readImageHeader(frame.jpeg, this.settings.maxFramePixels);
    return header.ok ? this.predicted(header, now, 0) : header;
  }

  /** A frame of an empty camera whose picture had not changed: answered like a prediction (there is nothing to predict). */
  private unchangedPicture(frame: AnalyzedFrame, now: number): FrameOutcome {
    frame.release();
    return this.predicted(frame, now, frame.timings.decode);
  }

  /** A frame answered without detection: the tracks at their predicted boxes for `now`. */
  private predicted(size: { width: number; height: number }, now: number, decodeMs: number): FrameOutcome {
    const visible = this.tracker.coast({ now, trusted: true, picture: size });
    this.coastedInRow += 1;
    return {
      ok: true,
      width: size.width,
      height: size.height,
      tracks: visible.map((t) => this.view(t)),
      visible,
      timings: { decode: decodeMs, detect: 0, embed: 0 },
      predicted: true,
    };
  }

  private view(t: TrackSnapshot): Track {
    return {
      id: t.id,
      box: [t.box.x, t.box.y, t.box.width, t.box.height],
      personId: t.personId,
      name: t.name,
      score: t.score,
      state: t.state,
      // The latest presentation-attack score this track was given, if any; Human's liveness model is no longer run.
      real: this.liveness.get(t.id),
      live: null,
      ...this.liveOk(t.id),
    };
  }

  // ---- Presentation-attack stage (issue 17): kept together so that it can be re-applied to a rewritten pipeline. ----
  private readonly spoofEvidence: LivenessEvidence;

  /** RECOGNITION_REQUIRE_LIVE: MiniFASNet on the faces about to vote, folded into their tracks' evidence; else null. */
  private async spoofVerdicts(analyzed: AnalyzedFrame, faces: number[], trackIds: number[]): Promise<Map<number, LivenessVerdict> | null> {
    if (!this.deps.policy.requireLive || faces.length === 0) return null;
    // A track refused for good is not scored again: nothing its frames show can change its verdict.
    const toScore = faces.filter((f) => !this.spoofEvidence.refusedForGood(trackIds[f]!));
    // Models that cannot run never pass a face, nor accuse one (no evidence is no attack): the tracks are withheld.
    const scores = toScore.length > 0 ? await analyzed.spoof(toScore).catch(() => null) : [];
    return new Map(
      faces.map((f): [number, LivenessVerdict] => {
        const id = trackIds[f]!;
        const k = toScore.indexOf(f);
        if (k < 0) return [id, this.spoofEvidence.get(id).verdict];
        return [id, scores ? this.spoofEvidence.record(id, scores[k]!.real).verdict : 'pending'];
      }),
    );
  }

  /** The overlay's liveOk: the track's decided verdict; absent while undecided or never checked. */
  private liveOk(trackId: number): { liveOk?: boolean } {
    const { verdict } = this.spoofEvidence.get(trackId);
    return verdict === 'pending' ? {} : { liveOk: verdict === 'live' };
  }

  /**
   * Every face of an enrolment view is scored for presentation attacks (ENROL_REQUIRE_LIVE reads it). Live frames are
   * not: RECOGNITION_REQUIRE_LIVE scores only the faces that vote (spoofVerdicts), after detection. Scoring every face
   * of the frame after a new face appeared also forced Human's face mesh on it, the cost of a face entering (issue 20).
   */
  private wantsLiveness(enrolment: { collecting: boolean } | undefined): boolean {
    return enrolment?.collecting ?? false;
  }
}
