// Per-session watch over tracks that stay unknown: keeps each track's best embedded view and says when a track has
// been unknown for long enough to be stored as an unknown sighting (once per track).
import type { Track } from '../../shared/protocol.js';

type TrackState = Track['state'];

export interface WatchedView {
  embedding: Float32Array;
  chip: Uint8Array;
  /** Higher is better: how good a picture of the face this view is. */
  quality: number;
  /** Closest enrolled person and their similarity (below the threshold, or the track would not be unknown). */
  bestScore: number | null;
  bestPersonId: string | null;
}

export interface DueSighting extends WatchedView {
  trackId: number;
  firstSeenAt: number;
  lastSeenAt: number;
}

interface Entry {
  unknownSince: number | null;
  best: WatchedView | null;
  recorded: boolean;
  missed: number;
}

/** Frames a vanished track's entry is kept (the tracker may still bring it back), then forgotten. */
const FORGET_AFTER_FRAMES = 50;

export class UnknownWatch {
  private readonly entries = new Map<number, Entry>();

  /** `afterMs` 0 disables the watch. */
  constructor(private readonly afterMs: number) {}

  private entry(trackId: number): Entry {
    let e = this.entries.get(trackId);
    if (!e) this.entries.set(trackId, (e = { unknownSince: null, best: null, recorded: false, missed: 0 }));
    return e;
  }

  /** A fresh embedding of a track's face; kept when it is the best view so far. */
  offer(trackId: number, view: WatchedView): void {
    if (this.afterMs <= 0) return;
    const e = this.entry(trackId);
    if (e.recorded) return;
    if (!e.best || view.quality > e.best.quality) e.best = view;
  }

  /** Called once per frame with the tracks in view; returns the sightings that became due now. */
  update(visible: { id: number; state: TrackState }[], now: number): DueSighting[] {
    if (this.afterMs <= 0) return [];
    const due: DueSighting[] = [];
    const seen = new Set<number>();
    for (const t of visible) {
      seen.add(t.id);
      const e = this.entry(t.id);
      e.missed = 0;
      if (t.state === 'recognized') {
        // A known person: nothing to keep (and a later flip to unknown starts the clock again).
        e.unknownSince = null;
        e.best = null;
        continue;
      }
      if (t.state !== 'unknown') continue;
      e.unknownSince ??= now;
      if (!e.recorded && e.best && now - e.unknownSince >= this.afterMs) {
        e.recorded = true;
        due.push({ ...e.best, trackId: t.id, firstSeenAt: e.unknownSince, lastSeenAt: now });
        e.best = null;
      }
    }
    for (const [id, e] of this.entries) {
      if (seen.has(id)) continue;
      e.missed += 1;
      if (e.missed > FORGET_AFTER_FRAMES) this.entries.delete(id);
    }
    return due;
  }

  get size(): number {
    return this.entries.size;
  }
}
