// Per-camera face tracker: keeps track ids across frames, decides which tracks need a fresh embedding,
// and turns each track's recent matches into a stable identity. Pure state, no TensorFlow: unit-testable.
import type { Box } from '../vision/detector.js';
import { associate } from './geometry.js';
import { decideIdentity, PENDING, type Identity, type Vote } from './voting.js';

export interface TrackerOptions {
  /** IoU needed to continue a track. */
  minIou: number;
  /** Frames a track survives without a detection. */
  maxMisses: number;
  /** Recent votes a track keeps. */
  voteWindow: number;
  /** Once a track has a full vote window, re-embed it every N frames (0 = never). */
  reembedEvery: number;
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
  age: number;
  misses: number;
  framesSinceEmbedding: number;
  votes: Vote[];
  identity: Identity;
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

  constructor(private readonly opts: TrackerOptions) {}

  /** Associates this frame's detections with tracks, creating and retiring tracks as faces come and go. */
  update(detections: Box[]): FrameTracks {
    const assignment = associate(this.tracks.map((t) => t.box), detections, this.opts.minIou);
    const seen = new Set<TrackState>();
    const trackIds: number[] = [];
    const needEmbedding: number[] = [];
    detections.forEach((box, d) => {
      const existing = assignment[d]! >= 0 ? this.tracks[assignment[d]!] : undefined;
      const track: TrackState = existing ?? {
        id: this.nextId++,
        box,
        age: 0,
        misses: 0,
        framesSinceEmbedding: Infinity,
        votes: [],
        identity: { ...PENDING },
      };
      if (!existing) this.tracks.push(track);
      track.box = box;
      track.age += 1;
      track.misses = 0;
      track.framesSinceEmbedding += 1;
      seen.add(track);
      trackIds.push(track.id);
      if (this.wantsEmbedding(track)) needEmbedding.push(d);
    });
    for (const t of this.tracks) if (!seen.has(t)) t.misses += 1;
    this.tracks = this.tracks.filter((t) => t.misses <= this.opts.maxMisses);
    return { trackIds, needEmbedding };
  }

  private wantsEmbedding(t: TrackState): boolean {
    // Until the vote window is full every frame counts; after that only a periodic check that it is still the same person.
    if (t.votes.length < this.opts.voteWindow) return true;
    return this.opts.reembedEvery > 0 && t.framesSinceEmbedding >= this.opts.reembedEvery;
  }

  /** Records the gallery's answer for a track's new embedding. */
  vote(trackId: number, vote: Vote): Identity {
    const t = this.tracks.find((x) => x.id === trackId);
    if (!t) return { ...PENDING };
    t.votes = [...t.votes, vote].slice(-this.opts.voteWindow);
    t.framesSinceEmbedding = 0;
    t.identity = decideIdentity(t.votes, t.identity);
    return t.identity;
  }

  /** The gallery changed (someone enrolled or was deleted): old votes may be wrong, so every track votes afresh. */
  resetIdentities(): void {
    for (const t of this.tracks) {
      t.votes = [];
      t.framesSinceEmbedding = Infinity;
    }
  }

  /** Tracks seen in the latest frame. */
  visible(): TrackSnapshot[] {
    return this.tracks.filter((t) => t.misses === 0).map((t) => ({ id: t.id, box: t.box, age: t.age, ...t.identity }));
  }
}
