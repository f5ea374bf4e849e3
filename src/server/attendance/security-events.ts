// Security events: a face the presentation-attack stage refused on a camera that requires liveness is stored once per
// track (the face as seen, the camera, the scores, who it would have been named as) and told to webhooks and MQTT as
// `presentation_attack`. It never becomes a check-in or an unknown sighting (the pipeline reports it apart).
import type { Logger } from '../log.js';
import type { NewSecurityEvent, SecurityEventsRepo } from '../store/security-events-repo.js';
import type { Clock } from './checkins.js';
import { chipToJpeg } from './sightings.js';

/** A refused face as the camera session hands it on. */
export interface RefusedView {
  chip: Uint8Array;
  liveScore: number;
  framesChecked: number;
  attackFrames: number;
  /** The closest enrolled person, null with an empty gallery. */
  closest: { personId: string; name: string } | null;
  /** Their similarity, null with an empty gallery. */
  similarity: number | null;
  /** At or above the match threshold: the face would have been named as `closest`. */
  wouldBeNamed: boolean;
}

/** Refused tracks remembered per camera at most; past it the oldest is forgotten (a new refusal of it is recorded again). */
export const MAX_REFUSED_TRACKS = 500;
/**
 * Refused views of a track weighed before its event is recorded without a would-be person: a replay's first frames
 * often fall below the match threshold (re-capture blurs the face), and the operator wants to know whom it imitated.
 */
export const REFUSED_VIEWS_BEFORE_RECORD = 5;

interface Pending {
  best: RefusedView;
  views: number;
}

/**
 * Per camera: one security event per track, however many frames of it are refused. Recorded as soon as a refused view
 * reaches the match threshold (whom it would have been named as), else after REFUSED_VIEWS_BEFORE_RECORD views or when the track leaves view, with the view
 * closest to an enrolled person.
 */
export class RefusalWatch {
  private readonly recorded = new Set<number>();
  private readonly pending = new Map<number, Pending>();

  /** A refused view of a track; returns the view to record when the track's event is due now. */
  offer(trackId: number, view: RefusedView): RefusedView | null {
    if (this.recorded.has(trackId)) return null;
    const p = this.pending.get(trackId);
    const best = !p || (view.similarity ?? -1) > (p.best.similarity ?? -1) ? view : p.best;
    const views = (p?.views ?? 0) + 1;
    if (view.wouldBeNamed || views >= REFUSED_VIEWS_BEFORE_RECORD) return this.done(trackId, view.wouldBeNamed ? view : best);
    if (!p && this.pending.size >= MAX_REFUSED_TRACKS) this.pending.delete(this.pending.keys().next().value!);
    this.pending.set(trackId, { best, views });
    return null;
  }

  /** Forgets tracks no longer in view; returns the events due for those that left before theirs was recorded. */
  retain(visibleIds: Iterable<number>): RefusedView[] {
    const keep = new Set(visibleIds);
    const due: RefusedView[] = [];
    for (const [id, p] of this.pending) {
      if (keep.has(id)) continue;
      this.pending.delete(id);
      due.push(p.best);
    }
    for (const id of this.recorded) if (!keep.has(id)) this.recorded.delete(id);
    return due;
  }

  private done(trackId: number, view: RefusedView): RefusedView {
    this.pending.delete(trackId);
    if (this.recorded.size >= MAX_REFUSED_TRACKS) this.recorded.delete(this.recorded.values().next().value!);
    this.recorded.add(trackId);
    return view;
  }
}

/** What is told of a stored security event (no picture: its crop is served at /api/v1/security-events/{id}/crop). */
export type StoredSecurityEvent = Omit<NewSecurityEvent, 'crop'> & { id: string };

/** Writes beyond this many still in flight are dropped (logged): a flood of attacks must not queue without bound. */
export const MAX_SECURITY_WRITES_IN_FLIGHT = 64;

/** Writes security events in the background (never tied to the socket that saw the face). */
export class SecurityEventRecorder {
  private readonly inFlight = new Set<Promise<void>>();
  private droppedLoggedAt = 0;

  constructor(
    private readonly repo: Pick<SecurityEventsRepo, 'insert'>,
    private readonly log: Logger,
    private readonly clock: Clock,
    /** Called once per event stored (webhooks and MQTT `presentation_attack`). */
    private readonly onStored: (stored: StoredSecurityEvent) => void = () => {},
  ) {}

  record(camera: string, v: RefusedView): void {
    if (this.inFlight.size >= MAX_SECURITY_WRITES_IN_FLIGHT) {
      const now = this.clock();
      if (now - this.droppedLoggedAt > 60_000) {
        this.droppedLoggedAt = now;
        this.log.error('security events: too many writes in flight (MAX_SECURITY_WRITES_IN_FLIGHT); refusals are not stored', { camera });
      }
      return;
    }
    const at = new Date(this.clock());
    const work = (async () => {
      try {
        const event: Omit<NewSecurityEvent, 'crop'> = {
          camera,
          at,
          personId: v.closest?.personId ?? null,
          personName: v.closest?.name ?? null,
          similarity: v.similarity,
          wouldBeNamed: v.wouldBeNamed,
          liveScore: v.liveScore,
          framesChecked: v.framesChecked,
          attackFrames: v.attackFrames,
        };
        let id: string;
        try {
          id = await this.repo.insert({ ...event, crop: await chipToJpeg(v.chip) });
        } catch (err) {
          // The closest person was deleted meanwhile (foreign key): the attempt is still worth keeping.
          if (!event.personId) throw err;
          id = await this.repo.insert({ ...event, personId: null, crop: await chipToJpeg(v.chip) });
        }
        this.log.warn('presentation attack refused', { securityEvent: id, camera, closest: event.personName, liveScore: v.liveScore });
        this.onStored({ id, ...event });
      } catch (err) {
        this.log.error('storing a security event failed', { camera, error: String(err) });
      }
    })();
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  async whenIdle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }
}
