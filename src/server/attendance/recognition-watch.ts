// Per-camera watch over recognized tracks: says once per track when it is named (and again only if the track's name
// changes), so a person standing in view for a minute is one `recognition` event, not one per frame.
import type { TrackSnapshot } from '../tracking/tracker.js';

export interface Recognized {
  trackId: number;
  personId: string;
  name: string;
  score: number;
}

/** Frames a vanished track's entry is kept (the tracker may still bring it back), then forgotten. */
const FORGET_AFTER_FRAMES = 50;
/** Tracks remembered at most per camera; past it the oldest is forgotten (at worst one event too many). */
const MAX_TRACKS = 1000;

export class RecognitionWatch {
  private readonly announced = new Map<number, { personId: string; missed: number }>();

  /** Called once per frame with the tracks in view; returns the tracks named for the first time (or renamed) now. */
  update(visible: TrackSnapshot[]): Recognized[] {
    const out: Recognized[] = [];
    const seen = new Set<number>();
    for (const t of visible) {
      seen.add(t.id);
      const prev = this.announced.get(t.id);
      if (prev) prev.missed = 0;
      if (t.state !== 'recognized' || !t.personId) continue;
      if (prev?.personId === t.personId) continue;
      this.announced.set(t.id, { personId: t.personId, missed: 0 });
      out.push({ trackId: t.id, personId: t.personId, name: t.name ?? '', score: t.score ?? 0 });
    }
    for (const [id, e] of this.announced) {
      if (seen.has(id)) continue;
      e.missed += 1;
      if (e.missed > FORGET_AFTER_FRAMES) this.announced.delete(id);
    }
    while (this.announced.size > MAX_TRACKS) this.announced.delete(this.announced.keys().next().value!);
    return out;
  }
}
