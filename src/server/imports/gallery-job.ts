// A gallery file import run as a job: the spooled file is read as a stream (gunzip, lines, checked people) and
// committed GALLERY_IMPORT_BATCH_PEOPLE people at a time, each batch in one transaction with the job's checkpoint (the
// last line committed and the counters). A server killed at any point resumes from that line: nobody doubled or lost.
// While cameras stream, the job gives way: smaller batches, each followed by a rest (live-work.ts restWhileStreaming).
import type { Config } from '../config.js';
import type { GalleryService } from '../gallery/service.js';
import type { JobCounts, JobRow } from '../store/jobs-repo.js';
import { camerasStreaming, restWhileStreaming, yieldToEventLoop } from '../live-work.js';
import { fileSource, galleryLines, type ImportedPerson } from './gallery-file.js';

export interface GalleryJobDeps {
  config: Pick<Config, 'GALLERY_IMPORT_BATCH_PEOPLE' | 'GALLERY_JOB_MAX_INFLATED_BYTES' | 'IMPORT_MAX_LINE_BYTES'>;
  model: { modelId: string; dims: number };
  galleryService: Pick<GalleryService, 'importBatch'>;
}

/**
 * While a camera streams, a batch holds at most this many people (~500 faces at 10 a person) and is followed by a
 * rest of BULK_REST_FACTOR times as long as it took (live-work.ts). A batch's cost runs on more than this thread (the
 * database's own process, the index), and on two cores a job that never paused held a camera's p95 at 2.7x its idle
 * round trip at 1M faces (bench/gallery-import.ts). With no camera streaming, batches are GALLERY_IMPORT_BATCH_PEOPLE
 * and nothing rests.
 */
export const STREAMING_BATCH_PEOPLE = 50;

/** How the job's counters read for a gallery file: people are the entries, faces are accepted or skipped. */
export function galleryCounts(job: JobRow): JobCounts {
  const { total, processed, accepted, rejected, skipped, peopleCreated, peopleUpdated } = job;
  return { total, processed, accepted, rejected, skipped, peopleCreated, peopleUpdated };
}

/**
 * Reads on from the job's checkpoint; returns 'stopped' when `closing` asked it to stop between batches (the job stays
 * queued and the next start reads on). A bad line throws GalleryFileError naming it, after the batches before it.
 */
export async function runGalleryJob(job: JobRow, deps: GalleryJobDeps, closing: () => boolean, onBatch: () => void): Promise<'done' | 'stopped'> {
  const counts = galleryCounts(job);
  const limits = { maxInflatedBytes: deps.config.GALLERY_JOB_MAX_INFLATED_BYTES, maxLineBytes: deps.config.IMPORT_MAX_LINE_BYTES };
  const size = deps.config.GALLERY_IMPORT_BATCH_PEOPLE;
  let batch: ImportedPerson[] = [];
  let lastLine = job.checkpointLine;
  const flush = async () => {
    if (batch.length === 0) return;
    const people = mergeByName(batch);
    const line = lastLine;
    const processed = batch.length;
    batch = [];
    await deps.galleryService.importBatch(people, async (tx, s) => {
      counts.processed += processed;
      counts.accepted += s.facesAdded;
      counts.skipped += s.facesSkipped;
      counts.peopleCreated += s.peopleCreated;
      counts.peopleUpdated += s.peopleMerged;
      await tx.jobs.checkpoint(job.id, counts, line);
    });
    onBatch();
  };
  const source = await fileSource(job.sourcePath);
  let batchStarted = performance.now();
  for await (const { no, person } of galleryLines(source, deps.model, limits, {
    skipThrough: job.checkpointLine,
    onHeader: (h) => void (counts.total = h.people ?? 0),
  })) {
    batch.push(person);
    lastLine = no;
    if (batch.length >= (camerasStreaming() ? Math.min(size, STREAMING_BATCH_PEOPLE) : size)) {
      await flush();
      if (closing()) return 'stopped';
      // Between batches the event loop serves live frames first (issue 19: one slow thing never stalls the rest).
      await restWhileStreaming(performance.now() - batchStarted);
      await yieldToEventLoop();
      batchStarted = performance.now();
    }
  }
  await flush();
  return 'done';
}

/** One person a name in a batch (the file may repeat a name); a repeat in a later batch merges in the database. */
function mergeByName(batch: ImportedPerson[]): ImportedPerson[] {
  const byName = new Map<string, ImportedPerson>();
  for (const p of batch) {
    const key = p.name.toLowerCase();
    const known = byName.get(key);
    if (known) byName.set(key, { name: known.name, faces: [...known.faces, ...p.faces] });
    else byName.set(key, p);
  }
  return [...byName.values()];
}
