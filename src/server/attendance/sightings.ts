// Unknown sightings: storing a face that stayed unknown, and enforcing retention. Turning a sighting into a face
// (promote, attach) is a gallery write: gallery/service.ts.
import sharp from 'sharp';
import type { Logger } from '../log.js';
import type { RecognitionsPruneOptions } from '../store/recognitions-repo.js';
import type { NewSighting, SightingsRepo } from '../store/sightings-repo.js';
import { CHIP_SIZE, isWideChip, WIDE_CHIP_SIZE } from '../vision/chip-geometry.js';
import type { Clock } from './checkins.js';

/** An aligned RGB chip (150 px, or the 220 px wide chip of a face that may be enrolled later) as a small JPEG. */
export async function chipToJpeg(chip: Uint8Array, quality = 80): Promise<Uint8Array> {
  const side = isWideChip(chip) ? WIDE_CHIP_SIZE : CHIP_SIZE;
  const buf = await sharp(Buffer.from(chip), { raw: { width: side, height: side, channels: 3 } })
    .jpeg({ quality })
    .toBuffer();
  return new Uint8Array(buf);
}

/** What is told of a stored sighting (no embedding, no picture: its crop is served at /api/v1/sightings/{id}/crop). */
export type StoredSighting = Pick<NewSighting, 'camera' | 'firstSeenAt' | 'lastSeenAt' | 'bestScore' | 'bestPersonId'> & { id: string };

/** Writes sightings in the background (never tied to the socket that saw the face). */
export class SightingRecorder {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly sightings: Pick<SightingsRepo, 'insert'>,
    private readonly log: Logger,
    /** Called once per sighting stored (metrics, webhooks and MQTT `unknown`). */
    private readonly onStored: (stored: StoredSighting) => void = () => {},
  ) {}

  record(s: Omit<NewSighting, 'crop'> & { chip: Uint8Array }): void {
    const work = (async () => {
      try {
        const crop = await chipToJpeg(s.chip);
        const id = await this.sightings.insert({ ...s, crop });
        this.log.info('unknown sighting', { sighting: id, camera: s.camera, bestScore: s.bestScore });
        this.onStored({ id, camera: s.camera, firstSeenAt: s.firstSeenAt, lastSeenAt: s.lastSeenAt, bestScore: s.bestScore, bestPersonId: s.bestPersonId });
      } catch (err) {
        this.log.error('storing an unknown sighting failed', { error: String(err) });
      }
    })();
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  async whenIdle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }
}

/** Enforces SIGHTINGS_RETENTION_DAYS / SIGHTINGS_MAX_ROWS now and every `everyMs`. Returns a stop function. */
export function startSightingRetention(
  sightings: Pick<SightingsRepo, 'prune'> | { prune(opts: RecognitionsPruneOptions): Promise<number> },
  opts: { retentionDays: number; maxRows: number; everyMs: number; clock: Clock; log: Logger; what?: string; dismissedKeepMs?: number },
): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const prune = () => {
    const now = opts.clock();
    const dismissedBefore = opts.dismissedKeepMs === undefined ? undefined : new Date(now - opts.dismissedKeepMs);
    running = sightings
      .prune({ now: new Date(now), retentionDays: opts.retentionDays, maxRows: opts.maxRows, dismissedBefore })
      .then((n) => void (n > 0 && opts.log.info(`${opts.what ?? 'unknown sightings'} pruned`, { deleted: n })))
      .catch((err) => opts.log.warn(`pruning ${opts.what ?? 'unknown sightings'} failed`, { error: String(err) }));
  };
  prune();
  const timer = setInterval(prune, opts.everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
