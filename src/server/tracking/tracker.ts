// Per-camera face tracker: keeps track ids across frames, decides which tracks need a fresh embedding,
// and turns each track's recent matches into a stable identity. Pure state, no TensorFlow: unit-testable.
import type { Box } from '../vision/detector.js';
import { anyNear, centreGap, iou, nearAny, scaleChange, shareInside } from './geometry.js';
import { associate, predictionDistance } from './association.js';
import { kalmanMotion, type Motion, type Prediction } from './motion.js';
import { decideIdentity, PENDING, type Identity, type Vote } from './voting.js';

/** Distance gate (standard deviations of a track's prediction) used when TrackerOptions.gate is not given. */
export const DEFAULT_TRACK_GATE = 5;
/** Fastest a face is taken to move, in its own sizes per second: walking past the camera is ~9. */
export const MAX_FACE_SPEED = 12;
/** Cost added per missed frame, so a track seen in the last frame is preferred to a stale one that fits about as well. */
const MISS_PENALTY = 0.5;
/**
 * Time a missed track survives, whatever its miss count, when TrackerOptions.maxMissMs is not given: people walking
 * about stay hidden behind a nearer face for over a second (bench/tracking.ts).
 */
export const DEFAULT_MAX_MISS_MS = 2000;
/** A lost track found again further than this from its prediction (standard deviations) restarts its motion. */
const RESTART_DISTANCE = 2.5;
/** Two visible faces whose centres are closer than this many times the sum of their sizes may soon cross or hide one another. */
const CROSSING_NEAR = 1;
/** Two faces predicted this much (a share of the larger face) closer than at the last detection are closing in. */
const CLOSING = 0.1;
/** Below this overlap with its last box a continued track is re-checked (someone else may have stepped in). */
const RECHECK_IOU = 0.5;
/**
 * A box whose width changed by more than this factor since the last detection has jumped too, whatever the overlap: a
 * face seen once at the picture's edge, then a larger face where it was (another person in front of it).
 */
const RECHECK_SCALE = 1.3;
/**
 * A face that moved from its last box but landed where its motion predicted (this overlap with the predicted box, seen
 * on the previous detected frame, seen more than twice) keeps its name while its check runs (TrackState.checkDue).
 */
const FOLLOWS_PREDICTION_IOU = 0.6;
/**
 * A track found again after this long unseen (tracker clock) shows its name only once an embedding confirms it: over a
 * long gap (a loaded server answering 1 frame a second) motion alone cannot tell two nearby faces apart.
 */
export const DEFAULT_CONFIRM_GAP_MS = 1000;
/** Misses for this long (tracker clock) may be one person leaving and another arriving: the name waits for an embedding. */
const HANDOVER_MS = 250;
/** A box the face mesh rejected as no face is tried again after this long, doubling per rejection up to REJECT_RETRY_MAX_MS. */
const REJECT_RETRY_MS = 250;
const REJECT_RETRY_MAX_MS = 2000;
/**
 * ...and at the first delay again once its box has moved this far from the rejected one (a face sliding into view), or at
 * once where the box has grown by more than RECHECK_SCALE (more of a face in view than was rejected).
 */
const REJECT_MOVED_IOU = 0.6;

/**
 * A predicted box with less of its area than this inside the picture is a face that left between two detections (or is
 * leaving): coast() does not show it, so no name hangs off the picture's edge after its face walked out.
 */
const MIN_SHARE_IN_PICTURE = 0.5;

/** Time between processed frames assumed when update() is given no timestamp: one frame of a 15 fps camera. */
export const DEFAULT_FRAME_MS = 1000 / 15;
/** A gap between capture times longer than this is a clock change, not time passing. */
const MAX_STEP_MS = 10_000;

export interface TrackerOptions {
  /** IoU with a track's predicted box that is always enough to continue it. */
  minIou: number;
  /** Frames a track survives without a detection. */
  maxMisses: number;
  /** ...or this many ms since its last detection, whichever is longer: at 30 fps five frames are too short to outlast a face passing in front. */
  maxMissMs?: number;
  /** Recent votes a track keeps. */
  voteWindow: number;
  /** Once a track has a full vote window, re-embed it every N frames (0 = never). */
  reembedEvery: number;
  /** A detection within this many standard deviations of a track's predicted centre and size may continue it. */
  gate?: number;
  /** Motion model of each new track (default: constant-velocity Kalman filter). */
  motion?: (first: Box, t: number) => Motion;
  /** Milliseconds between frames when update() is given no `now`. */
  frameMs?: number;
  /** A track found again after this long unseen withholds its name until an embedding confirms it (default DEFAULT_CONFIRM_GAP_MS). */
  confirmGapMs?: number;
}

export interface UpdateOptions {
  /** When the frame was captured, in ms: the motion model predicts over the real gap (frames are dropped under load). */
  now?: number;
  /**
   * `now` comes from a clock already checked to run forward in real time (FrameClock): every step is used as it is,
   * however long. Without it, a step backwards or of more than 10 s is taken as a clock change and one frame passes.
   */
  trusted?: boolean;
  /**
   * Per detection: the detector was unsure it is a face (vision/detector.ts `tentative`). A track such a detection
   * starts is hidden, as a rejected one is, and asks for its embedding at once: the face mesh run with it confirms the
   * face (meshConfirmed) or rejects it. A detection that continues a track changes nothing.
   */
  tentative?: readonly boolean[];
  /**
   * The frame's size. coast(): a track predicted mostly outside it is not shown. update(): a track that walked out of it
   * is retired (leftThePicture).
   */
  picture?: { width: number; height: number };
}

export interface TrackSnapshot extends Identity {
  id: number;
  box: Box;
  /** Frames this track was seen in (misses within TRACK_MAX_MISSES do not reset it). */
  age: number;
}

interface TrackState {
  id: number;
  box: Box;
  motion: Motion;
  prediction: Prediction | null;
  age: number;
  misses: number;
  /** Time of the last detection (ms). */
  lastSeen: number;
  framesSinceEmbedding: number;
  votes: Vote[];
  identity: Identity;
  /**
   * The face mesh found no face in this track's box (a false detection, or a face only partly in view): kept, so it does
   * not come back as a new track, and not shown; tried again from `retryAt`, so a face that slides into view is found.
   * A track started by a tentative detection begins so, with no rejection yet and its check due at once.
   */
  notAFace?: { rejections: number; box: Box; at: number; retryAt: number };
  /**
   * The detection that continued this track could have been another face's: another track could have produced it, or
   * this track another detection (gates overlap), or the track was unseen long enough for one person to leave and
   * another to arrive. The track's name is withheld until an embedding of this face matches it; anyone else's (or a
   * stranger's) starts the vote afresh, so the old name never passes to a new face.
   */
  unconfirmed: boolean;
  /**
   * The face moved far from its last box, but to where its motion predicted: an embedding checks it on this frame, as
   * after a jump, but the name stays shown meanwhile. A face that moves steadily between two detections (frames predicted
   * while a busy server embeds) otherwise lost its name on every detected frame until the check voted
   * (bench/naming.ts, loaded server).
   */
  checkDue: boolean;
  /** Tracker time the track was first missed in its current run of misses (null while seen). */
  missedSince: number | null;
  /**
   * The track as it was before a detection re-acquired it after misses. A false detection may have taken the lost track;
   * then the face itself shows up where this state predicts, and the track goes back to it.
   */
  before?: Sighting & { motion: Motion };
}

/** Where a track was last seen and where it is expected now. */
interface Sighting {
  prediction: Prediction | null;
  box: Box;
  misses: number;
  lastSeen: number;
}

export interface FrameTracks {
  /** Track id of each detection, in detection order. */
  trackIds: number[];
  /** Indices of the detections whose track wants an embedding this frame. */
  needEmbedding: number[];
}

export class Tracker {
  private tracks: TrackState[] = [];
  private nextId = 1;
  /** The tracker's own clock (ms), advanced by each update. */
  private now: number | null = null;
  private lastCaptured: number | null = null;
  /** The latest update came with a usable capture time. */
  private timed = false;
  /**
   * Tracks predicted closing in on another face since the last detection (coast()): the two may have crossed unseen, so
   * the next detection that continues them could have swapped them, and their names wait for their embeddings.
   */
  private closingUnseen = new Set<number>();

  constructor(private readonly opts: TrackerOptions) {}

  /**
   * Associates this frame's detections with tracks by where each track is predicted to be now, creating and retiring
   * tracks as faces come and go.
   */
  update(detections: Box[], options: UpdateOptions = {}): FrameTracks {
    const now = this.advance(options.now, options.trusted);
    for (const t of this.tracks) {
      t.prediction = t.motion.predict(now);
      if (t.before) t.before.prediction = t.before.motion.predict(now);
    }
    // Each track is a candidate, and so is the state it had before a doubtful re-acquisition (same key: one of them wins).
    const candidates: { track: TrackState; key: number; state: Sighting }[] = this.tracks.map((t, key) => ({ track: t, key, state: t }));
    for (const [key, t] of this.tracks.entries()) if (t.before) candidates.push({ track: t, key, state: t.before });
    const trackCandidates = candidates.map(({ state, key }) => ({
      prediction: state.prediction!,
      misses: state.misses,
      last: state.box,
      gapS: (now - state.lastSeen) / 1000,
      key,
    }));
    // A speed limit needs real time: with assumed frame times a 5 fps camera's faces would seem 3x too fast.
    const association = {
      minIou: this.opts.minIou,
      gate: this.opts.gate ?? DEFAULT_TRACK_GATE,
      missPenalty: MISS_PENALTY,
      maxSpeed: this.timed ? MAX_FACE_SPEED : undefined,
    };
    const { assignment, contested } = associate(trackCandidates, detections, association);
    const seen = new Set<TrackState>();
    const trackIds: number[] = [];
    const needEmbedding: number[] = [];
    detections.forEach((box, d) => {
      const chosen = assignment[d]! >= 0 ? candidates[assignment[d]!] : undefined;
      const existing = chosen?.track;
      if (existing && chosen!.state !== existing) {
        // The detection fits where the track was going before its re-acquisition: that one was someone else.
        Object.assign(existing, chosen!.state);
        existing.before = undefined;
      } else if (existing?.before) existing.before = undefined;
      else if (existing && existing.misses > 0 && existing.age > 1 && existing.motion.clone) {
        const { prediction, box: last, misses, lastSeen } = existing;
        existing.before = { motion: existing.motion.clone(), prediction, box: last, misses, lastSeen };
      }
      const track: TrackState = existing ?? {
        id: this.nextId++,
        box,
        motion: (this.opts.motion ?? kalmanMotion)(box, now),
        prediction: null,
        age: 0,
        misses: 0,
        lastSeen: now,
        framesSinceEmbedding: Infinity,
        votes: [],
        identity: { ...PENDING },
        unconfirmed: false,
        checkDue: false,
        missedSince: null,
        ...(options.tentative?.[d] ? { notAFace: { rejections: 0, box, at: now, retryAt: now } } : {}),
      };
      if (existing) {
        // Back after a miss, a jump, a long gap, or a detection another track could also have taken: perhaps someone else
        // stepped into this track's place. Withhold the name and check who it is now, on this frame.
        const inContest = contested.detections.has(d) || contested.keys.has(assignment[d]! >= 0 ? candidates[assignment[d]!]!.key : -1);
        // A detector's one-frame miss is no handover: nobody leaves and is replaced at the same spot in a quarter second.
        const longMiss = existing.missedSince !== null && now - existing.missedSince >= HANDOVER_MS;
        const longGap = now - existing.lastSeen > (this.opts.confirmGapMs ?? DEFAULT_CONFIRM_GAP_MS);
        if (inContest || longMiss || longGap || this.closingUnseen.has(existing.id)) existing.unconfirmed = true;
        // Back after any miss, or jumped: re-check now, keeping the name unless this face's embedding disagrees. Until that
        // embedding has voted the name is withheld (awaitingCheck): on a busy server the frame may be answered before it lands.
        // A face that moved to where its motion predicted is checked too, with its name shown meanwhile (checkDue).
        const moved = iou(existing.box, box) < RECHECK_IOU || scaleChange(existing.box, box) > RECHECK_SCALE;
        const followsPrediction = existing.misses === 0 && existing.age > 2 && iou(existing.prediction!.box, box) >= FOLLOWS_PREDICTION_IOU;
        if (existing.unconfirmed || existing.misses > 0 || (moved && !followsPrediction)) existing.framesSinceEmbedding = Infinity;
        else if (moved) existing.checkDue = true;
        if (existing.notAFace) {
          const rejected = existing.notAFace;
          // Wider than the box the mesh turned down: more of a face is in view (one sliding in past the picture's edge,
          // half of it rejected on the frame before, or one coming closer). Checked on this frame: waiting out the
          // rejection's delay hid a whole face for 250 ms (bench/cameras.ts, a face entering from the right).
          if (box.width > rejected.box.width * RECHECK_SCALE) rejected.retryAt = Math.min(rejected.retryAt, now);
          else if (iou(rejected.box, box) < REJECT_MOVED_IOU) rejected.retryAt = Math.min(rejected.retryAt, rejected.at + REJECT_RETRY_MS);
        }
        // Found again far from where it was expected: its old velocity took it elsewhere, and folding this detection in
        // would leave a velocity made of the jump. Start its motion afresh here, as a new track's.
        if (existing.misses > 0 && predictionDistance(existing.prediction!, box) > RESTART_DISTANCE)
          existing.motion = (this.opts.motion ?? kalmanMotion)(box, now);
        else existing.motion.correct(box);
      } else this.tracks.push(track);
      track.box = box;
      track.age += 1;
      track.misses = 0;
      track.missedSince = null;
      track.lastSeen = now;
      track.framesSinceEmbedding += 1;
      seen.add(track);
      trackIds.push(track.id);
      if (this.wantsEmbedding(track, now)) needEmbedding.push(d);
    });
    this.closingUnseen.clear();
    for (const t of this.tracks) {
      if (!seen.has(t)) {
        t.misses += 1;
        t.missedSince ??= now;
      }
      if (t.before && !seen.has(t)) t.before.misses += 1;
    }
    const maxMissMs = this.opts.maxMissMs ?? DEFAULT_MAX_MISS_MS;
    // Time-based survival only for tracks seen more than once: a one-frame false detection must not linger and catch
    // the next face to enter near it.
    this.tracks = this.tracks.filter(
      (t) => (t.misses <= this.opts.maxMisses || (t.age > 1 && now - t.lastSeen <= maxMissMs)) && !leftThePicture(t, now, options.picture),
    );
    return { trackIds, needEmbedding };
  }

  /**
   * Moves the tracker's clock by the time between this frame's capture and the previous one's. Without timestamps, or
   * when the camera's clock stands still, jumps back or leaps ahead (clients set it), one frame passes instead.
   */
  private advance(captured: number | undefined, trusted = false): number {
    const frameMs = this.opts.frameMs ?? DEFAULT_FRAME_MS;
    const given = captured != null && Number.isFinite(captured) ? captured : null;
    const step = given !== null && this.lastCaptured !== null ? given - this.lastCaptured : NaN;
    this.timed = given !== null && (this.lastCaptured === null || (step > 0 && (trusted || step <= MAX_STEP_MS)));
    this.lastCaptured = given;
    this.now = this.now === null ? 0 : this.now + (this.timed && step > 0 ? step : frameMs);
    return this.now;
  }

  /**
   * The track wants its embedding only as the periodic check that it is still the same person: its vote window is
   * full, its last vote agreed with its name, and it neither jumped nor came back after a miss. Such a check can land
   * a little later without delaying any name; every other reason to embed is urgent.
   */
  routineCheck(trackId: number): boolean {
    const t = this.tracks.find((x) => x.id === trackId);
    if (!t || t.unconfirmed || t.checkDue || t.notAFace || t.votes.length < this.opts.voteWindow || awaitingCheck(t)) return false;
    return t.identity.state !== 'pending' && t.votes.at(-1)!.personId === t.identity.personId;
  }

  private wantsEmbedding(t: TrackState, now: number): boolean {
    if (t.notAFace) return now >= t.notAFace.retryAt;
    // A withheld name is decided by this face's own embedding, on this frame; so is a due check.
    if (t.unconfirmed || t.checkDue) return true;
    // Until the vote window is full every frame counts; after that only a periodic check that it is still the same person.
    if (t.votes.length < this.opts.voteWindow) return true;
    // The last check disagreed with the track's name: embed every frame until the majority settles it either way, so a
    // stranger who took over a named track loses the name within a few frames, while one odd embedding changes nothing.
    const last = t.votes.at(-1)!;
    if (t.identity.state !== 'pending' && last.personId !== t.identity.personId) return true;
    return this.opts.reembedEvery > 0 && t.framesSinceEmbedding >= this.opts.reembedEvery;
  }

  /**
   * A frame without detection (the pipeline detects every DETECT_INTERVAL_MS): the tracks seen in the last detected
   * frame, at their predicted boxes at this frame's time, less those predicted mostly outside `options.picture`.
   * Nothing is counted as seen or missed.
   */
  coast(options: UpdateOptions = {}): TrackSnapshot[] {
    const now = this.advance(options.now, options.trusted);
    const shown = this.tracks.filter((t) => t.misses === 0 && !t.notAFace).map((t) => ({ t, box: t.motion.predict(now).box }));
    const hidden = this.tracks.filter((t) => t.misses > 0 && t.age > 1).map((t) => ({ t, box: t.motion.predict(now).box }));
    return shown
      .map(({ t, box }, i) => {
        const near = [...shown.filter((_, j) => j !== i), ...hidden].filter((o) => nearAny(box, [o.box], CROSSING_NEAR));
        // Two faces predicted near each other that were apart at the last detection, or are predicted closer than they
        // were, may cross unseen: their next detection re-confirms both. Two faces that stay side by side do not (they
        // cannot have swapped), or every detection would embed them again, outlast the answer budget, and leave the next
        // frames predicted once more: two people side by side then lost their names (bench/heldout-client.ts).
        const closing = near.some(
          (o) => !nearAny(t.box, [o.t.box], CROSSING_NEAR) || centreGap(box, o.box) < centreGap(t.box, o.t.box) - CLOSING * Math.max(box.width, o.box.width),
        );
        if (closing) this.closingUnseen.add(t.id);
        const identity = soundPrediction(t, near.length > 0, this.opts.voteWindow) || t.identity.state !== 'recognized' ? shownIdentity(t) : WITHHELD;
        return { id: t.id, box, age: t.age, ...identity };
      })
      .filter((t) => !options.picture || shareInside(t.box, options.picture) >= MIN_SHARE_IN_PICTURE);
  }

  /**
   * Every visible track has its full vote window and no check is due: no embedding would be asked for now. Nor are two
   * faces about to meet: the pipeline then detects every frame, as a crossing at a fifth of a second between detections
   * is where tracks swap ids.
   */
  settled(): boolean {
    const visible = this.tracks.filter((t) => t.misses === 0 && !t.notAFace);
    // Prediction covers faces that exist: a camera showing none is detected on every frame, so one that enters is seen
    // on the frame it enters, not up to DETECT_INTERVAL_MS later.
    if (visible.length === 0) return false;
    const next = (this.now ?? 0) + (this.opts.frameMs ?? DEFAULT_FRAME_MS);
    const retryDue = this.tracks.some((t) => t.misses === 0 && t.notAFace && next >= t.notAFace.retryAt);
    return !retryDue && !this.facesNear() && visible.every((t) => !this.wantsEmbedding({ ...t, framesSinceEmbedding: t.framesSinceEmbedding + 1 }, next));
  }

  /**
   * Two faces of the last detected frame are close enough to cross or hide one another before the next one (a face
   * hidden behind another counts where it was expected: it may come out on either side).
   */
  private facesNear(): boolean {
    const visible = this.tracks.filter((t) => t.misses === 0 && !t.notAFace).map((t) => t.box);
    const hidden = this.tracks.filter((t) => t.misses > 0 && t.age > 1 && t.prediction).map((t) => t.prediction!.box);
    return anyNear([...visible, ...hidden], CROSSING_NEAR);
  }

  /**
   * The track's face turned out not to be one (the face mesh found none in its box): hidden, and tried again after a
   * delay that doubles while the box stays put (a poster) and starts over when it moves (a face coming into view).
   */
  reject(trackId: number): void {
    const t = this.tracks.find((x) => x.id === trackId);
    if (!t) return;
    const now = this.now ?? 0;
    const rejections = t.notAFace && iou(t.notAFace.box, t.box) >= REJECT_MOVED_IOU ? t.notAFace.rejections + 1 : 1;
    const delay = Math.min(REJECT_RETRY_MAX_MS, REJECT_RETRY_MS * 2 ** (rejections - 1));
    t.notAFace = { rejections, box: t.box, at: now, retryAt: now + delay };
  }

  /**
   * The face mesh found a face in the track's box after all: shown, and embedded again on its own schedule from now on.
   * Apart from vote(), because a track may be embedded without voting (its presentation-attack evidence still short),
   * and such a track must not stay hidden, checked only at the rejection's retry times.
   */
  meshConfirmed(trackId: number): void {
    const t = this.tracks.find((x) => x.id === trackId);
    if (t) t.notAFace = undefined;
  }

  /** Records the gallery's answer for a track's new embedding. */
  vote(trackId: number, vote: Vote): Identity {
    const t = this.tracks.find((x) => x.id === trackId);
    if (!t) return { ...PENDING };
    // The mesh found a face here after all: the track is shown and decided from now on.
    t.notAFace = undefined;
    t.framesSinceEmbedding = 0;
    t.checkDue = false;
    if (t.unconfirmed && t.identity.state !== 'pending') {
      const same = vote.personId === t.identity.personId;
      const closeToSame = vote.personId === null && t.identity.personId !== null && vote.bestPersonId === t.identity.personId;
      if (same) t.unconfirmed = false;
      else if (!closeToSame) {
        // This face is not the one the track was named for: its own evidence starts afresh, whatever came before.
        t.votes = [];
        t.identity = { ...PENDING };
        t.unconfirmed = false;
      }
      // closeToSame: perhaps the same person's face below the threshold (a turned head), perhaps a stranger who resembles
      // them most; the name stays withheld, and the next frame's embedding decides again.
    } else t.unconfirmed = false;
    t.votes = [...t.votes, vote].slice(-this.opts.voteWindow);
    t.identity = decideIdentity(t.votes, t.identity);
    return t.identity;
  }

  /**
   * The gallery changed (someone enrolled, renamed, merged or deleted): every track's votes are decided again by
   * `redecide`, from the evidence each was cast on, and its identity follows them at once. A name stays only while the
   * new votes still hold that person (under the new name after a rename); a deleted person's name goes now, and a newly
   * enrolled person is named from the votes already cast, without waiting for new embeddings. A track with a vote that
   * cannot be decided again (`redecide` answers null) votes afresh from its next embedding instead.
   */
  /** The evidence of every vote the tracks hold (for revote's caller to search the gallery with beforehand). */
  voteEvidence(): unknown[] {
    return this.tracks.flatMap((t) => t.votes.map((v) => v.evidence).filter((e) => e !== undefined));
  }

  revote(redecide: (vote: Vote) => Vote | null): void {
    for (const t of this.tracks) {
      if (t.votes.length === 0) continue;
      const votes = t.votes.map(redecide);
      if (votes.some((v) => v === null)) {
        t.votes = [];
        t.framesSinceEmbedding = Infinity;
        if (t.identity.state === 'recognized') t.identity = { ...PENDING };
        continue;
      }
      t.votes = votes as Vote[];
      const prev = t.identity;
      const still = prev.state === 'recognized' ? t.votes.find((v) => v.personId === prev.personId) : undefined;
      const base = prev.state !== 'recognized' ? prev : still ? { ...prev, name: still.name } : { ...PENDING };
      t.identity = decideIdentity(t.votes, base);
    }
  }

  /** Tracks seen in the latest frame. */
  visible(): TrackSnapshot[] {
    return this.tracks.filter((t) => t.misses === 0 && !t.notAFace).map((t) => ({ id: t.id, box: t.box, age: t.age, ...shownIdentity(t) }));
  }
}

const WITHHELD: Identity = { state: 'pending', personId: null, name: null, score: null };

/** A box within this share of its width of the picture's border was at the edge: a face there may have walked out. */
const AT_EDGE = 0.25;

/**
 * The track's face walked out of the picture: last seen at its edge, missed since for HANDOVER_MS, and predicted mostly
 * outside it now. Kept, it would stay a candidate for every face that enters in the next TRACK_MAX_MISS_MS (a missed
 * track's reach grows by MAX_FACE_SPEED sizes a second), contesting each one's detections so that its name waited for a
 * check on every detected frame (bench/cameras.ts: the next person walking in). Retired, a face coming back in is a new
 * track, named by its own embeddings like any other.
 */
function leftThePicture(t: TrackState, now: number, picture: { width: number; height: number } | undefined): boolean {
  if (!picture || t.misses === 0 || now - t.lastSeen < HANDOVER_MS || !t.prediction) return false;
  const margin = AT_EDGE * t.box.width;
  const b = t.box;
  const atEdge = b.x <= margin || b.y <= margin || b.x + b.width >= picture.width - margin || b.y + b.height >= picture.height - margin;
  return atEdge && shareInside(t.prediction.box, picture) < MIN_SHARE_IN_PICTURE;
}

/**
 * The track's check is due and has not voted yet (it came back after a miss or jumped, or its continuity is in doubt):
 * the pipeline waits for that vote only within its answer budget (issue 20), and a stranger's face taking a named
 * track's place must not be answered with the name meanwhile.
 */
function awaitingCheck(t: TrackState): boolean {
  return !Number.isFinite(t.framesSinceEmbedding);
}

/**
 * The tracker predicts only settled tracks apart from other faces (settled()), but the pipeline also predicts frames
 * while an answered frame's embedding holds the inference thread (its answer budget). A name shows on a predicted box
 * only where the prediction is sound: a track seen more than once (one sighting has no motion, so its prediction is
 * where the face was), with its votes complete, and no other face near it.
 */
function soundPrediction(t: TrackState, near: boolean, voteWindow: number): boolean {
  return t.age > 1 && t.votes.length >= voteWindow && !near;
}

/**
 * The identity a track shows, on the overlay and to attendance. A name is shown only while the evidence of this face
 * supports it: not while the track's continuity is in doubt (unconfirmed), and not while its latest embedding failed to
 * match the person. Withheld, the track is `pending`.
 */
function shownIdentity(t: TrackState): Identity {
  if (t.identity.state !== 'recognized') return t.identity;
  if (t.unconfirmed || awaitingCheck(t)) return WITHHELD;
  // Below the threshold counts as disagreeing, even when this person is the closest: a stranger who resembles them most
  // looks exactly like that to the gallery, and a wrong name at a door is a breach where a withheld one is a nuisance.
  const last = t.votes.at(-1);
  if (last && last.personId !== t.identity.personId) return WITHHELD;
  return t.identity;
}
