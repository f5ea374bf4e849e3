// Unknown sightings: storing a face that stayed unknown, enforcing retention, and the operator actions that turn a
// sighting into a face of a new person (promote) or of an existing one (attach), each in one transaction.
import sharp from 'sharp';
import type { Gallery } from '../gallery/gallery.js';
import type { Logger } from '../log.js';
import type { NewSighting, SightingsRepo } from '../store/sightings-repo.js';
import type { Repositories, Store } from '../store/types.js';
import { CHIP_SIZE } from '../vision/embedder.js';
import type { Clock } from './checkins.js';

export interface SightingDeps {
  store: Store;
  gallery: Gallery;
  /** The running embedder's model id: a sighting from another model cannot join this gallery. */
  modelId: string;
  /** Called after the gallery changed, to tell every live session. */
  onGalleryChanged: () => void;
}

export interface SightingFaceResult {
  personId: string;
  name: string;
  faceId: string;
  /** True when promote made a new person. */
  created: boolean;
}

/** Why a promote/attach was refused; the API maps these to 404 / 409 / 422. */
export class SightingError extends Error {
  constructor(
    readonly code: 'sighting_not_found' | 'person_not_found' | 'name_taken' | 'model_mismatch',
    message: string,
  ) {
    super(message);
  }
}

/** The aligned 150x150 RGB chip as a small JPEG. */
export async function chipToJpeg(chip: Uint8Array, quality = 80): Promise<Uint8Array> {
  const buf = await sharp(Buffer.from(chip), { raw: { width: CHIP_SIZE, height: CHIP_SIZE, channels: 3 } })
    .jpeg({ quality })
    .toBuffer();
  return new Uint8Array(buf);
}

/** Moves a sighting into `faces` under a person found or made by `person`, all inside one transaction. */
async function moveSighting(
  deps: SightingDeps,
  sightingId: string,
  person: (tx: Repositories) => Promise<{ id: string; name: string; created: boolean }>,
): Promise<SightingFaceResult> {
  const result = await deps.store.tx(async (tx) => {
    const s = await tx.sightings.get(sightingId, true);
    if (!s) throw new SightingError('sighting_not_found', `no unknown sighting ${sightingId}`);
    if (s.modelId !== deps.modelId) throw new SightingError('model_mismatch', `sighting was embedded by ${s.modelId}, the gallery uses ${deps.modelId}`);
    const p = await person(tx);
    const faceId = await tx.faces.add({ personId: p.id, modelId: s.modelId, embedding: s.embedding, crop: s.crop, quality: null });
    await tx.sightings.delete(s.id);
    return { personId: p.id, name: p.name, faceId, created: p.created, embedding: s.embedding };
  });
  deps.gallery.add([{ faceId: result.faceId, personId: result.personId, personName: result.name, embedding: result.embedding }]);
  deps.onGalleryChanged();
  return { personId: result.personId, name: result.name, faceId: result.faceId, created: result.created };
}

/** Makes a new person called `name` from the sighting (its embedding and crop become their first face); the sighting is removed. */
export function promoteSighting(deps: SightingDeps, sightingId: string, name: string): Promise<SightingFaceResult> {
  const trimmed = name.trim();
  if (!trimmed || trimmed.length > 100) throw new RangeError('name must be 1..100 characters');
  return moveSighting(deps, sightingId, async (tx) => {
    // "A new person": a name someone already has, in any case or spacing, is refused rather than merged.
    const made = await tx.people.createIfNew(trimmed);
    if (!made.created) throw new SightingError('name_taken', `a person called "${made.existing.name}" already exists; attach the sighting to them instead`);
    return { id: made.person.id, name: made.person.name, created: true };
  });
}

/** Adds the sighting as a face of the existing person `personId`; the sighting is removed. */
export function attachSighting(deps: SightingDeps, sightingId: string, personId: string): Promise<SightingFaceResult> {
  return moveSighting(deps, sightingId, async (tx) => {
    const p = await tx.people.getForUpdate(personId);
    if (!p) throw new SightingError('person_not_found', `no person ${personId}`);
    return { ...p, created: false };
  });
}

/** Writes sightings in the background (never tied to the socket that saw the face). */
export class SightingRecorder {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly sightings: Pick<SightingsRepo, 'insert'>,
    private readonly log: Logger,
    /** Called once per sighting stored (metrics). */
    private readonly onStored: () => void = () => {},
  ) {}

  record(s: Omit<NewSighting, 'crop'> & { chip: Uint8Array }): void {
    const work = (async () => {
      try {
        const crop = await chipToJpeg(s.chip);
        const id = await this.sightings.insert({ ...s, crop });
        this.log.info('unknown sighting', { sighting: id, camera: s.camera, bestScore: s.bestScore });
        this.onStored();
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
  sightings: Pick<SightingsRepo, 'prune'>,
  opts: { retentionDays: number; maxRows: number; everyMs: number; clock: Clock; log: Logger },
): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const prune = () => {
    running = sightings
      .prune({ now: new Date(opts.clock()), retentionDays: opts.retentionDays, maxRows: opts.maxRows })
      .then((n) => void (n > 0 && opts.log.info('unknown sightings pruned', { deleted: n })))
      .catch((err) => opts.log.warn('pruning unknown sightings failed', { error: String(err) }));
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
