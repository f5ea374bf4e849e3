// The gallery service: every write of faces and people goes through here. Each writes the store and the change log in
// one transaction, applies the log through its change to the in-memory gallery (sync.ts: no rebuild for anything but
// an explicit rebuild), emits `changed` to this server's listeners and announces the sequence on the event bus; other
// servers on the same database catch up from the log, and this one from theirs, the same way.
import type { EventBus } from '../events/bus.js';
import { noCrash, type CrashAt } from '../crash-points.js';
import type { Logger } from '../log.js';
import { sqlState } from '../store/db-errors.js';
import type { GalleryChangeEntry } from '../store/gallery-changes-repo.js';
import type { ImportSummary } from '../store/gallery-repo.js';
import type { MergeResult } from '../store/people-merge.js';
import type { Created } from '../store/people-repo.js';
import type { EnrolmentResult, FaceTemplate, NewFace, Person, Repositories, Store } from '../store/types.js';
import type { Gallery, GalleryStats } from './gallery.js';
import { createGallerySync, type SyncStats } from './sync.js';

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

/** A gallery import stopped after committing some batches; importing the same file again adds only what is missing. */
export class GalleryImportError extends Error {
  readonly code = 'import_incomplete';
}

export interface ImportedPerson {
  name: string;
  faces: { embedding: Float32Array; crop: Buffer | null; quality: number | null; embeddedFromCropPx?: number | null }[];
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
  /**
   * A gallery export's people, matched by name or created, committed GALLERY_IMPORT_BATCH_PEOPLE at a time (each batch
   * all or nothing). Throws GalleryImportError, saying how far it got, when a batch fails.
   */
  importPeople(people: ImportedPerson[]): Promise<ImportSummary>;
  /**
   * One batch of a gallery file job, all or nothing; `alsoInTx` runs in the same transaction with the batch's summary
   * (the job's checkpoint), so a crash leaves both written or neither. Quiet: the job announces the gallery itself.
   */
  importBatch(people: ImportedPerson[], alsoInTx: (tx: Repositories, summary: ImportSummary) => Promise<void>): Promise<ImportSummary>;
  /** Rebuilds the index from the database, here and on every other server. */
  rebuild(): Promise<void>;
  /** After quiet writes: `changed` here, and with `share` (the default) on every other server. */
  announce(opts?: { share?: boolean }): Promise<void>;
  /** Called after every change of the gallery, made here or announced by another server. Returns the unsubscribe. */
  onChanged(listener: (stats: GalleryStats) => void): () => void;
  /** Catches up with the change log now (tests; the bus and the poll do it otherwise). */
  catchUp(): Promise<number>;
  /** Where this server is in the change log, and how often it had to rebuild. */
  syncStats(): SyncStats;
  /** Stops following other servers. */
  close(): void;
}

export interface GallerySyncSettings {
  /** GALLERY_IMPORT_BATCH_PEOPLE */
  importBatchPeople: number;
  /** GALLERY_CHANGELOG_KEEP */
  changelogKeep: number;
  /** GALLERY_SYNC_POLL_MS (0: no poll) */
  syncPollMs: number;
}

const DEFAULT_SETTINGS: GallerySyncSettings = { importBatchPeople: 500, changelogKeep: 100_000, syncPollMs: 5000 };
/** The change log is pruned by the writer of every this many changes (sequences have no holes, so one server does). */
const PRUNE_EVERY = 256;

export interface GalleryServiceDeps {
  store: Pick<Store, 'tx' | 'faces' | 'changes'>;
  gallery: Gallery;
  bus: EventBus;
  modelId: string;
  log?: Pick<Logger, 'info' | 'warn' | 'error'>;
  settings?: Partial<GallerySyncSettings>;
  /** kill -9 tests only (TEST_CRASH_AT). */
  crash?: CrashAt;
}

export function createGalleryService(deps: GalleryServiceDeps): GalleryService {
  const { store, gallery, bus, modelId } = deps;
  const crash = deps.crash ?? noCrash;
  const log = deps.log ?? { info() {}, warn() {}, error() {} };
  const settings = { ...DEFAULT_SETTINGS, ...deps.settings };
  const sync = createGallerySync({ store, gallery, modelId, log });
  const listeners = new Set<(stats: GalleryStats) => void>();
  const emit = () => {
    const stats = gallery.stats();
    for (const l of [...listeners]) l(stats);
  };
  /** `changed` here, then the other servers (awaited: an API answer means the others were told). */
  const changed = async (share = true) => {
    emit();
    if (share) await bus.publish({ type: 'gallery.changed', seq: sync.stats().applied });
  };

  /**
   * Runs `write` and logs its change in one transaction, then applies the log through it here. `write` returns the
   * change to log (null: nothing changed, nothing logged) and the result; `local`: embeddings of the faces it added.
   */
  /** One import batch in one transaction (with `alsoInTx` in it), logged as one faces.added change. */
  async function commitImportBatch(
    people: ImportedPerson[],
    alsoInTx?: (tx: Repositories, summary: ImportSummary) => Promise<void>,
    opts: { share?: boolean } = {},
  ): Promise<ImportSummary> {
    const { result } = await commit(async (tx) => {
      const r = await tx.transfer.importBatch(modelId, people);
      await alsoInTx?.(tx, r.summary);
      return { change: r.added.length > 0 ? { kind: 'faces.added', faceIds: r.added.map((f) => f.faceId) } : null, result: r.summary, local: r.added };
    }, opts);
    return result;
  }

  async function commit<T>(
    write: (tx: Repositories) => Promise<{ change: GalleryChangeEntry | null; result: T; local?: FaceTemplate[] }>,
    opts: { share?: boolean } = {},
  ): Promise<{ result: T; seq: number | null }> {
    let local: FaceTemplate[] | undefined;
    const out = await store.tx(async (tx) => {
      const w = await write(tx);
      local = w.local;
      return { result: w.result, seq: w.change ? await tx.changes.record(w.change) : null };
    });
    if (out.seq !== null) {
      // The other servers are told at once: they read the log while this one applies it (one round trip less for them).
      const told = opts.share === false ? null : bus.publish({ type: 'gallery.changed', seq: out.seq });
      // The change is committed whatever happens here: a failed read of the log is logged, and the next catch-up (the
      // next write, notification or poll) applies it.
      await sync
        .through(out.seq, local)
        .catch((err) => log.error('gallery sync: a committed change is not in the index yet', { seq: out.seq, error: String(err) }));
      if (out.seq % PRUNE_EVERY === 0) {
        void store.changes
          .prune(settings.changelogKeep)
          .then((n) => n > 0 && log.info('gallery change log pruned', { removed: n, keep: settings.changelogKeep }))
          .catch((err) => log.warn('gallery change log: prune failed', { error: String(err) }));
      }
      await told; // an API answer means the others were told
    }
    return out;
  }

  /** A change another server made, or one this server may have missed: catch up, then tell this server's sessions. */
  const follow = async (): Promise<number> => {
    const n = await sync.catchUp();
    if (n > 0) emit();
    return n;
  };
  const unfollow = bus.on('gallery.changed', async ({ seq }, { remote }) => {
    if (remote && seq > sync.stats().applied) await follow();
  });
  const unreconnect = bus.on('bus.reconnected', async () => void (await follow()));
  // Notifications can be lost without a reconnect being seen (NOTIFY is best effort): a slow poll bounds the delay.
  const poll =
    bus.shared && settings.syncPollMs > 0
      ? setInterval(() => void follow().catch((err) => log.warn('gallery sync: catching up failed', { error: String(err) })), settings.syncPollMs)
      : null;
  poll?.unref();
  // Whatever other servers logged between this gallery's snapshot and now.
  void follow().catch((err) => log.warn('gallery sync: catching up failed', { error: String(err) }));

  /** Moves a sighting into the faces of a person found or made by `person`, in one transaction. */
  async function moveSighting(
    sightingId: string,
    person: (tx: Repositories) => Promise<{ id: string; name: string; created: boolean }>,
  ): Promise<SightingFaceResult> {
    const { result: r } = await commit(async (tx) => {
      const s = await tx.sightings.get(sightingId, true);
      if (!s) throw new SightingError('sighting_not_found', `no unknown sighting ${sightingId}`);
      if (s.modelId !== modelId) throw new SightingError('model_mismatch', `sighting was embedded by ${s.modelId}, the gallery uses ${modelId}`);
      const p = await person(tx);
      const faceId = await tx.faces.add({ personId: p.id, modelId: s.modelId, embedding: s.embedding, crop: s.crop, quality: null });
      await tx.sightings.delete(s.id);
      return {
        change: { kind: 'faces.added', faceIds: [faceId] },
        result: { personId: p.id, name: p.name, faceId, created: p.created },
        local: [{ faceId, personId: p.id, personName: p.name, embedding: s.embedding }],
      };
    });
    emit();
    return r;
  }

  return {
    modelId,

    async enrol(name, faces, opts = {}) {
      const { result } = await commit(
        async (tx) => {
          const r = await tx.commitEnrolment({ name, modelId, faces });
          return {
            change: { kind: 'faces.added', faceIds: r.faceIds },
            result: r,
            local: r.faceIds.map((faceId, i) => ({ faceId, personId: r.personId, personName: r.name, embedding: faces[i]!.embedding })),
          };
        },
        { share: !opts.quiet },
      );
      crash('enrol.after-commit'); // kill -9 tests: stored and in this index (and, unless quiet, announced)
      if (!opts.quiet) emit();
      return result;
    },

    async deleteFace(faceId) {
      // Out of the index at once, without a rebuild (a reload of a large gallery takes seconds).
      const { result } = await commit(async (tx) => {
        const personId = await tx.faces.delete(faceId);
        return { change: personId ? { kind: 'faces.removed', faceIds: [faceId] } : null, result: personId !== null };
      });
      if (result) emit();
      return result;
    },

    async deletePerson(personId) {
      const { result } = await commit(async (tx) => {
        const gone = await tx.people.delete(personId);
        return { change: gone ? { kind: 'person.removed', personId } : null, result: gone };
      });
      if (result) emit();
      return result;
    },

    async renamePerson(personId, name) {
      // The index maps faces to names: the new name is in it from the next frame on, without a rebuild.
      const { result } = await commit(async (tx) => {
        const renamed = await tx.people.rename(personId, name);
        return { change: renamed.ok ? { kind: 'person.renamed', personId, name: renamed.value.name } : null, result: renamed };
      });
      if (result.ok) emit();
      return result;
    },

    async mergePeople(intoId, fromId) {
      // Faces change owner in the index's id map; no vector moves. Every session here and on other servers re-votes.
      const { result } = await commit(async (tx) => {
        const merged = await tx.people.merge(intoId, fromId);
        return { change: merged.ok ? { kind: 'people.merged', intoId, fromId, name: merged.name } : null, result: merged };
      });
      if (result.ok) emit();
      return result;
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
      const { result } = await commit(async (tx) => {
        const rec = await tx.recognitions.get(recognitionId, true);
        if (!rec) throw new SightingError('recognition_not_found', `no recognition ${recognitionId} in the history`);
        if (rec.modelId !== modelId) throw new SightingError('model_mismatch', `recognition was embedded by ${rec.modelId}, the gallery uses ${modelId}`);
        const faceId = await tx.faces.add({ personId: rec.personId, modelId: rec.modelId, embedding: rec.embedding, crop: rec.crop, quality: null });
        await tx.recognitions.delete(rec.id);
        return {
          change: { kind: 'faces.added', faceIds: [faceId] },
          result: { personId: rec.personId, name: rec.personName, faceId, created: false },
          local: [{ faceId, personId: rec.personId, personName: rec.personName, embedding: rec.embedding }],
        };
      });
      emit();
      return result;
    },

    async importPeople(people) {
      const summary: ImportSummary = { peopleCreated: 0, peopleMerged: 0, facesAdded: 0, facesSkipped: 0 };
      const size = settings.importBatchPeople;
      let done = 0;
      try {
        for (; done < people.length; done += size) {
          const batch = people.slice(done, done + size);
          // One transaction a batch: its locks and its undo stay bounded however large the gallery (issue 19).
          const result = await commitImportBatch(batch);
          summary.peopleCreated += result.peopleCreated;
          summary.peopleMerged += result.peopleMerged;
          summary.facesAdded += result.facesAdded;
          summary.facesSkipped += result.facesSkipped;
          crash('gallery-import.after-batch'); // kill -9 tests: one batch committed, the rest not
        }
      } catch (err) {
        if (summary.facesAdded > 0) emit();
        throw new GalleryImportError(importFailure(err, done, people.length, size), { cause: err });
      }
      if (summary.facesAdded > 0) emit();
      return summary;
    },

    async importBatch(people, alsoInTx) {
      const result = await commitImportBatch(people, alsoInTx, { share: false });
      crash('gallery-import.after-batch'); // kill -9 tests: this batch and its checkpoint committed, the rest not
      return result;
    },

    async rebuild() {
      // Logged first, so every other server rebuilds too; this one rebuilds as it applies its own change.
      await commit(async () => ({ change: { kind: 'rebuilt' }, result: null }));
      emit();
    },

    announce: ({ share = true } = {}) => changed(share),

    onChanged(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },

    catchUp: follow,
    syncStats: () => sync.stats(),

    close() {
      if (poll) clearInterval(poll);
      unfollow();
      unreconnect();
      listeners.clear();
    },
  };
}

/** Why an import stopped, how far it got, and what to do, in words for the operator. */
function importFailure(err: unknown, done: number, total: number, batch: number): string {
  const committed = `${done} of ${total} people were committed (in batches of ${batch})`;
  const again = 'importing the same file again adds only what is missing';
  if (sqlState(err) === '53200') {
    return (
      `the import stopped: the database ran out of lock space ("out of shared memory"); ${committed}. ` +
      `Lower GALLERY_IMPORT_BATCH_PEOPLE or raise PostgreSQL's max_locks_per_transaction, then ${again}`
    );
  }
  return `the import stopped: ${err instanceof Error ? err.message : String(err)}; ${committed}, and ${again}`;
}
