// The gallery service: every write of faces and people goes through here. Each writes the store (in one transaction),
// then the in-memory gallery, then emits `changed` to this server's listeners and announces the change on the event
// bus, so other servers on the same database follow; changes announced by them are applied here the same way.
import type { EventBus, GalleryChange } from '../events/bus.js';
import { noCrash, type CrashAt } from '../crash-points.js';
import type { ImportSummary } from '../store/gallery-repo.js';
import type { MergeResult } from '../store/people-merge.js';
import type { Created } from '../store/people-repo.js';
import type { EnrolmentResult, NewFace, Person, Repositories, Store } from '../store/types.js';
import type { Gallery, GalleryStats } from './gallery.js';

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
    readonly code: 'sighting_not_found' | 'recognition_not_found' | 'person_not_found' | 'name_taken' | 'model_mismatch',
    message: string,
  ) {
    super(message);
  }
}

export interface ImportedPerson {
  name: string;
  faces: { embedding: Float32Array; crop: Buffer | null; quality: number | null }[];
}

export interface GalleryService {
  /** The embedding model every face written here belongs to. */
  readonly modelId: string;
  /** Adds faces to the person called `name` (found ignoring case, or created). `quiet`: no `changed` (call announce()). */
  enrol(name: string, faces: NewFace[], opts?: { quiet?: boolean }): Promise<EnrolmentResult>;
  /** False when there was no such face. */
  deleteFace(faceId: string): Promise<boolean>;
  /** False when there was no such person. Every server forgets them at once. */
  deletePerson(personId: string): Promise<boolean>;
  renamePerson(personId: string, name: string): Promise<Created<Person>>;
  /** Everything of `fromId` moves to `intoId`, then `fromId` is deleted. */
  mergePeople(intoId: string, fromId: string): Promise<MergeResult>;
  /** A new person called `name` whose first face is the unknown sighting; the sighting is removed. */
  promoteSighting(sightingId: string, name: string): Promise<SightingFaceResult>;
  /** The sighting becomes a face of the existing person; the sighting is removed. */
  attachSighting(sightingId: string, personId: string): Promise<SightingFaceResult>;
  /** A recent recognition becomes a face (a template) of the person it named; it leaves the history. */
  addRecognition(recognitionId: string): Promise<SightingFaceResult>;
  /** A gallery export's people, matched by name or created, all or nothing. */
  importPeople(people: ImportedPerson[]): Promise<ImportSummary>;
  /** Rebuilds the index from the database, here and on every other server. */
  rebuild(): Promise<void>;
  /** After quiet writes: `changed` here, and with `share` (the default) on every other server. */
  announce(opts?: { share?: boolean }): Promise<void>;
  /** Called after every change of the gallery, made here or announced by another server. Returns the unsubscribe. */
  onChanged(listener: (stats: GalleryStats) => void): () => void;
  /** Stops following other servers. */
  close(): void;
}

export interface GalleryServiceDeps {
  store: Pick<Store, 'tx' | 'commitEnrolment' | 'faces' | 'people' | 'transfer'>;
  gallery: Gallery;
  bus: EventBus;
  modelId: string;
  /** kill -9 tests only (TEST_CRASH_AT). */
  crash?: CrashAt;
}

export function createGalleryService(deps: GalleryServiceDeps): GalleryService {
  const { store, gallery, bus, modelId } = deps;
  const crash = deps.crash ?? noCrash;
  const listeners = new Set<(stats: GalleryStats) => void>();
  const emit = () => {
    const stats = gallery.stats();
    for (const l of [...listeners]) l(stats);
  };
  /** `changed` here, then the other servers (awaited: an API answer means the others were told). */
  const changed = async (change: GalleryChange, share = true) => {
    emit();
    if (share) await bus.publish({ type: 'gallery.changed', change });
  };

  const unfollow = bus.on('gallery.changed', async ({ change }, { remote }) => {
    if (!remote) return; // applied by the write itself
    if (change.kind === 'person.removed') gallery.removePerson(change.personId);
    else if (change.kind === 'faces.removed') gallery.removeFaces(change.faceIds);
    else await gallery.reload();
    emit();
  });

  /** Moves a sighting into the faces of a person found or made by `person`, in one transaction. */
  async function moveSighting(
    sightingId: string,
    person: (tx: Repositories) => Promise<{ id: string; name: string; created: boolean }>,
  ): Promise<SightingFaceResult> {
    const r = await store.tx(async (tx) => {
      const s = await tx.sightings.get(sightingId, true);
      if (!s) throw new SightingError('sighting_not_found', `no unknown sighting ${sightingId}`);
      if (s.modelId !== modelId) throw new SightingError('model_mismatch', `sighting was embedded by ${s.modelId}, the gallery uses ${modelId}`);
      const p = await person(tx);
      const faceId = await tx.faces.add({ personId: p.id, modelId: s.modelId, embedding: s.embedding, crop: s.crop, quality: null });
      await tx.sightings.delete(s.id);
      return { personId: p.id, name: p.name, faceId, created: p.created, embedding: s.embedding };
    });
    gallery.add([{ faceId: r.faceId, personId: r.personId, personName: r.name, embedding: r.embedding }]);
    await changed({ kind: 'changed' });
    return { personId: r.personId, name: r.name, faceId: r.faceId, created: r.created };
  }

  return {
    modelId,

    async enrol(name, faces, opts = {}) {
      const result = await store.commitEnrolment({ name, modelId, faces });
      crash('enrol.after-commit'); // kill -9 tests: stored, not yet in the index
      gallery.add(result.faceIds.map((faceId, i) => ({ faceId, personId: result.personId, personName: result.name, embedding: faces[i]!.embedding })));
      if (!opts.quiet) await changed({ kind: 'changed' });
      return result;
    },

    async deleteFace(faceId) {
      if (!(await store.faces.delete(faceId))) return false;
      // Out of the index at once, without a rebuild (a reload of a large gallery takes seconds).
      gallery.removeFaces([faceId]);
      await changed({ kind: 'faces.removed', faceIds: [faceId] });
      return true;
    },

    async deletePerson(personId) {
      if (!(await store.people.delete(personId))) return false;
      gallery.removePerson(personId);
      await changed({ kind: 'person.removed', personId });
      return true;
    },

    async renamePerson(personId, name) {
      const renamed = await store.people.rename(personId, name);
      if (!renamed.ok) return renamed;
      // The index maps faces to names: rebuilt, so live views show the new name from the next frame on.
      await gallery.reload();
      await changed({ kind: 'changed' });
      return renamed;
    },

    async mergePeople(intoId, fromId) {
      const merged = await store.people.merge(intoId, fromId);
      if (!merged.ok) return merged;
      // Faces changed owner: rebuild the position-to-person map, then every session here and on other servers re-votes.
      await gallery.reload();
      await changed({ kind: 'changed' });
      return merged;
    },

    promoteSighting(sightingId, name) {
      const trimmed = name.trim();
      if (!trimmed || trimmed.length > 100) throw new RangeError('name must be 1..100 characters');
      return moveSighting(sightingId, async (tx) => {
        // "A new person": a name someone already has, in any case or spacing, is refused rather than merged.
        const made = await tx.people.createIfNew(trimmed);
        if (!made.created) throw new SightingError('name_taken', `a person called "${made.existing.name}" already exists; attach the sighting to them instead`);
        return { id: made.person.id, name: made.person.name, created: true };
      });
    },

    attachSighting(sightingId, personId) {
      return moveSighting(sightingId, async (tx) => {
        const p = await tx.people.getForUpdate(personId);
        if (!p) throw new SightingError('person_not_found', `no person ${personId}`);
        return { ...p, created: false };
      });
    },

    async addRecognition(recognitionId) {
      const r = await store.tx(async (tx) => {
        const rec = await tx.recognitions.get(recognitionId, true);
        if (!rec) throw new SightingError('recognition_not_found', `no recognition ${recognitionId} in the history`);
        if (rec.modelId !== modelId) throw new SightingError('model_mismatch', `recognition was embedded by ${rec.modelId}, the gallery uses ${modelId}`);
        const faceId = await tx.faces.add({ personId: rec.personId, modelId: rec.modelId, embedding: rec.embedding, crop: rec.crop, quality: null });
        await tx.recognitions.delete(rec.id);
        return { personId: rec.personId, name: rec.personName, faceId, embedding: rec.embedding };
      });
      gallery.add([{ faceId: r.faceId, personId: r.personId, personName: r.name, embedding: r.embedding }]);
      await changed({ kind: 'changed' });
      return { personId: r.personId, name: r.name, faceId: r.faceId, created: false };
    },

    async importPeople(people) {
      const summary = await store.transfer.importPeople(modelId, people);
      if (summary.facesAdded > 0) {
        await gallery.reload();
        await changed({ kind: 'changed' });
      }
      return summary;
    },

    async rebuild() {
      await gallery.reload();
      await changed({ kind: 'changed' });
    },

    announce: ({ share = true } = {}) => changed({ kind: 'changed' }, share),

    onChanged(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },

    close() {
      unfollow();
      listeners.clear();
    },
  };
}
