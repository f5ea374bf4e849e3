// Attendance for one camera session: check-ins for tracks that are recognized, and an unknown sighting for a track
// that stays unknown. Neither waits for the database, and neither depends on the socket staying open.
import type { CameraWatch } from './camera-watch.js';
import type { CheckInService, Clock } from './checkins.js';
import { HistoryWatch, type MatchedView, type RecognitionRecorder } from './recognition-history.js';
import { RecognitionWatch, type Recognized } from './recognition-watch.js';
import { RefusalWatch, type RefusedView, type SecurityEventRecorder } from './security-events.js';
import type { SightingRecorder } from './sightings.js';
import { UnknownWatch, type WatchedView } from './unknown-watch.js';
import type { TrackSnapshot } from '../tracking/tracker.js';

export interface AttendanceDeps {
  /** null when CHECKINS_ENABLED is false. */
  checkins: CheckInService | null;
  sightings: SightingRecorder;
  clock: Clock;
  /** Told of every attendance frame: a camera that stops sending is reported down. */
  cameras?: Pick<CameraWatch, 'frame'>;
  /** A track was named (once per track, again only when its name changes): webhooks and MQTT `recognition`. */
  onRecognized?: (r: Recognized & { camera: string; at: number }) => void;
  /** Recognition history: one record per recognized track with its face (views from `matched`). */
  history?: Pick<RecognitionRecorder, 'record'>;
  /** Presentation attacks refused: one security event per track. */
  security?: Pick<SecurityEventRecorder, 'record'>;
}

export class CameraAttendance {
  private readonly unknownWatch: UnknownWatch;
  private readonly recognitionWatch = new RecognitionWatch();
  private readonly historyWatch = new HistoryWatch();
  private readonly refusalWatch = new RefusalWatch();
  private camera = '';

  constructor(
    private readonly deps: AttendanceDeps,
    private readonly modelId: string,
    unknownAfterMs: number,
  ) {
    this.unknownWatch = new UnknownWatch(unknownAfterMs);
  }

  /** An embedded view of a track that matched nobody: a candidate for its sighting's picture. */
  unmatched(trackId: number, view: WatchedView): void {
    this.unknownWatch.offer(trackId, view);
  }

  /**
   * An embedded view of a track that matched an enrolled person: a candidate for the recognition history. The pipeline
   * calls it (FrameOptions.onMatched) for each matched face, as it calls `unmatched` for the others.
   */
  matched(trackId: number, view: MatchedView): void {
    const due = this.deps.history ? this.historyWatch.matched(trackId, view) : null;
    if (due) this.deps.history!.record({ ...due, camera: this.camera });
  }

  /** A view of a track the presentation-attack stage refused: stored as a security event, once per track. */
  refused(trackId: number, view: RefusedView, camera: string): void {
    if (!this.deps.security) return;
    const due = this.refusalWatch.offer(trackId, view);
    if (due) this.deps.security.record(camera, due);
  }

  /** The camera went away: refusals still weighing their views are recorded now. */
  close(camera: string): void {
    for (const due of this.refusalWatch.retain([])) this.deps.security?.record(camera, due);
  }

  /** After every frame, with the tracks it showed. `camera` is the label the client gave in hello. */
  frameSeen(visible: TrackSnapshot[], camera: string): void {
    const { checkins, sightings, clock, cameras, onRecognized } = this.deps;
    cameras?.frame(camera);
    this.camera = camera;
    for (const due of this.refusalWatch.retain(visible.map((t) => t.id))) this.deps.security?.record(camera, due);
    const { history } = this.deps;
    if (onRecognized || history) {
      for (const r of this.recognitionWatch.update(visible)) {
        const at = clock();
        onRecognized?.({ ...r, camera, at });
        const due = history ? this.historyWatch.announced(r.trackId, r.personId, at) : null;
        if (due) history!.record({ ...due, camera });
      }
    }
    if (checkins) {
      for (const t of visible) if (t.state === 'recognized' && t.personId) checkins.seen(t.personId, t.score ?? 0, camera);
    }
    for (const due of this.unknownWatch.update(visible, clock())) {
      sightings.record({
        firstSeenAt: new Date(due.firstSeenAt),
        lastSeenAt: new Date(due.lastSeenAt),
        camera,
        modelId: this.modelId,
        embedding: due.embedding,
        chip: due.chip,
        bestScore: due.bestScore,
        bestPersonId: due.bestPersonId,
      });
    }
  }
}
