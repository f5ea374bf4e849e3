// Recognition history: for each recognized track, one record of the person with the face as the camera saw it, so an
// operator can review recent recognitions ("not them", "add to them"). Views come from the recognition pipeline's
// matched faces (CameraAttendance.matched); a record is written once the track is named and a view of that person exists.
import type { Logger } from '../log.js';
import type { NewRecognition, RecognitionsRepo } from '../store/recognitions-repo.js';
import { chipToJpeg } from './sightings.js';

export interface MatchedView {
  personId: string;
  score: number;
  embedding: Float32Array;
  chip: Uint8Array;
  /** Higher is better: how good a picture of the face this view is. */
  quality: number;
}

interface Entry {
  announced: { personId: string; at: number } | null;
  best: MatchedView | null;
  recordedFor: string | null;
}

/** Tracks remembered per camera at most; past it the oldest is forgotten. */
const MAX_TRACKS = 500;

/** Per camera: pairs a track's naming with a view of that person, once per track and person. */
export class HistoryWatch {
  private readonly tracks = new Map<number, Entry>();

  private entry(trackId: number): Entry {
    let e = this.tracks.get(trackId);
    if (!e) {
      if (this.tracks.size >= MAX_TRACKS) this.tracks.delete(this.tracks.keys().next().value!);
      this.tracks.set(trackId, (e = { announced: null, best: null, recordedFor: null }));
    }
    return e;
  }

  /** A view of a track that matched `view.personId`; returns a record when the track was already named so. */
  matched(trackId: number, view: MatchedView): (MatchedView & { at: number }) | null {
    const e = this.entry(trackId);
    if (!e.best || e.best.personId !== view.personId || view.quality > e.best.quality) e.best = view;
    return this.due(e);
  }

  /** The track was named `personId` at `at`; returns a record when a view of that person is at hand. */
  announced(trackId: number, personId: string, at: number): (MatchedView & { at: number }) | null {
    const e = this.entry(trackId);
    e.announced = { personId, at };
    return this.due(e);
  }

  private due(e: Entry): (MatchedView & { at: number }) | null {
    if (!e.announced || !e.best || e.best.personId !== e.announced.personId || e.recordedFor === e.announced.personId) return null;
    e.recordedFor = e.announced.personId;
    return { ...e.best, at: e.announced.at };
  }
}

/** Writes recognition records in the background (never tied to the socket that saw the face). */
export class RecognitionRecorder {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly repo: Pick<RecognitionsRepo, 'insert'>,
    private readonly modelId: string,
    private readonly log: Logger,
  ) {}

  record(r: MatchedView & { at: number; camera: string }): void {
    const work = (async () => {
      try {
        const row: NewRecognition = {
          personId: r.personId,
          camera: r.camera,
          seenAt: new Date(r.at),
          score: r.score,
          modelId: this.modelId,
          embedding: r.embedding,
          crop: await chipToJpeg(r.chip),
        };
        await this.repo.insert(row);
      } catch (err) {
        // A person deleted meanwhile (foreign key), or the database away: the history is a convenience, not a record.
        this.log.warn('storing a recognition for review failed', { error: String(err) });
      }
    })();
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  async whenIdle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }
}
