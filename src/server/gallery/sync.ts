// Keeps this server's gallery index in step with the database's change log (store/gallery-changes-repo.ts): changes are
// applied in sequence order, each without a rebuild (vectors added or removed by face id; renames and merges only
// touch the id map). Every write here, and every notification from another server, runs the same catch-up: read the
// log after the last sequence applied, apply it. A missed notification (the bus was cut) is caught up by the next one,
// by the reconnect, or by the poll. Only a server behind the retained log (GALLERY_CHANGELOG_KEEP) rebuilds, and says why.
import type { Logger } from '../log.js';
import type { GalleryChangeEntry, LoggedChange } from '../store/gallery-changes-repo.js';
import type { FaceTemplate, Store } from '../store/types.js';
import type { Gallery } from './gallery.js';

/** Changes read from the log per query while catching up. */
const SYNC_PAGE = 500;
/** Face ids per query when reading added faces' embeddings. */
const FETCH_FACES = 1000;

export interface SyncStats {
  /** The last change-log sequence applied here. */
  applied: number;
  /** Changes applied one by one (from here or other servers). */
  changesApplied: number;
  /** Full rebuilds the sync made (behind the retained log, or a logged rebuild), with the last reason. */
  fullReloads: number;
  lastReloadReason: string | null;
}

export interface GallerySync {
  /** Applies the log through `seq` (a write made here), using `local` for the embeddings of faces it added. */
  through(seq: number, local?: FaceTemplate[]): Promise<void>;
  /** Catches up with everything logged so far; resolves with the number of changes applied. */
  catchUp(): Promise<number>;
  stats(): SyncStats;
}

export function createGallerySync(deps: {
  store: Pick<Store, 'changes' | 'faces'>;
  gallery: Gallery;
  modelId: string;
  log: Pick<Logger, 'info' | 'warn'>;
}): GallerySync {
  const { store, gallery, modelId, log } = deps;
  const stats: SyncStats = { applied: gallery.builtThrough(), changesApplied: 0, fullReloads: 0, lastReloadReason: null };
  /** Embeddings of faces added by writes on this server, by sequence, until that sequence is applied. */
  const localFaces = new Map<number, FaceTemplate[]>();
  let running: Promise<number> | null = null;
  let queued: Promise<number> | null = null;

  async function rebuild(reason: string): Promise<void> {
    log.warn(`gallery sync: rebuilding the index from the database: ${reason}`);
    stats.fullReloads += 1;
    stats.lastReloadReason = reason;
    await gallery.reload();
    stats.applied = Math.max(stats.applied, gallery.builtThrough());
  }

  async function apply(entry: LoggedChange): Promise<void> {
    const c: GalleryChangeEntry = entry.change;
    if (c.kind === 'faces.added') {
      let templates = localFaces.get(entry.seq);
      if (!templates) {
        // Read as they are now: a face deleted since is left out (its removal is a later entry anyway).
        templates = [];
        for (let i = 0; i < c.faceIds.length; i += FETCH_FACES)
          templates.push(...(await store.faces.templatesByIds(modelId, c.faceIds.slice(i, i + FETCH_FACES))));
      }
      gallery.add(templates);
      // An import batch's thousands of faces go into the index a slice at a time (index-ops.ts): the next change waits
      // for them, so an import is paced by the index and what waits stays one batch.
      await gallery.settled();
    } else if (c.kind === 'faces.removed') gallery.removeFaces(c.faceIds);
    else if (c.kind === 'person.removed') gallery.removePerson(c.personId);
    else if (c.kind === 'person.renamed') gallery.renamePerson(c.personId, c.name);
    else if (c.kind === 'people.merged') gallery.movePerson(c.fromId, c.intoId, c.name);
    else await rebuild(`change ${entry.seq} asks every server to rebuild`);
  }

  async function run(): Promise<number> {
    let applied = 0;
    for (;;) {
      const entries = await store.changes.since(stats.applied, SYNC_PAGE);
      if (entries.length === 0) return applied;
      if (entries[0]!.seq !== stats.applied + 1) {
        // Sequences have no holes (store/gallery-changes-repo.ts): a gap means the log was pruned past this server.
        await rebuild(`changes ${stats.applied + 1}..${entries[0]!.seq - 1} are no longer in the change log (GALLERY_CHANGELOG_KEEP); this server was behind`);
        if (stats.applied >= entries[0]!.seq - 1) continue;
        stats.applied = entries[0]!.seq - 1;
      }
      for (const e of entries) {
        if (e.seq <= stats.applied) continue;
        await apply(e);
        localFaces.delete(e.seq);
        stats.applied = Math.max(stats.applied, e.seq);
        stats.changesApplied += 1;
        applied += 1;
      }
    }
  }

  /** One catch-up at a time; every call during one shares the next, which sees everything logged until it starts. */
  function catchUp(): Promise<number> {
    if (!running) {
      running = run().finally(() => (running = null));
      return running;
    }
    const next = () => ((queued = null), catchUp());
    queued ??= running.then(next, next);
    return queued;
  }

  return {
    async through(seq, local) {
      if (local && seq > stats.applied) localFaces.set(seq, local);
      while (stats.applied < seq) await catchUp();
    },
    catchUp,
    stats: () => ({ ...stats }),
  };
}
