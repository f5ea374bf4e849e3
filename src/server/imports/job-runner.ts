// Bulk import jobs, kept in the database: one at a time, behind live frames; each person committed in one transaction,
// files already stored for that person skipped by content hash, so a job resumed after a restart (or a zip uploaded
// twice) adds nothing twice. A server that starts resumes its own unfinished jobs, or marks them failed with the reason.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../config.js';
import type { Gallery } from '../gallery/gallery.js';
import type { GalleryService } from '../gallery/service.js';
import { enrolImages, type ImageVerdict } from '../enrolment/from-images.js';
import type { MatchPolicy } from '../recognition/match-policy.js';
import type { Logger } from '../log.js';
import { zeroCounts, type JobCounts, type JobRow, type JobsRepo } from '../store/jobs-repo.js';
import type { Store } from '../store/types.js';
import type { AnalyzerScheduler } from '../vision/scheduler.js';
import { listFolder } from './folder-source.js';
import { GalleryFileError } from './gallery-file.js';
import { runGalleryJob } from './gallery-job.js';
import { planImport, type SourceEntry } from './layout.js';
import { ArchiveRefused, extractZip } from './zip-extract.js';

export interface JobRunnerDeps {
  config: Config;
  store: Store;
  gallery: Gallery;
  analyzer: { modelId: string; dims: number };
  scheduler: AnalyzerScheduler;
  policy: Pick<MatchPolicy, 'duplicateThreshold'>;
  log: Logger;
  /** Each person's faces are committed through it, quietly: the runner announces the growing gallery at its own pace. */
  galleryService: Pick<GalleryService, 'enrol' | 'announce' | 'importBatch'>;
}

/** Finished jobs kept (with their results); older ones are deleted. */
const KEEP_JOBS = 50;
/** A job that was interrupted this many times (say it kills the server each time) fails instead of running again. */
const MAX_ATTEMPTS = 3;
/** Live sessions hear about the growing gallery at most this often during an import (each notice makes them re-vote). */
const NOTIFY_EVERY_MS = 2000;

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
/** PostgreSQL refuses NUL in text and jsonb: a hostile file name must not make the job's own report unwritable. */
const noNul = (s: string) => s.replace(/\0/g, '\\0');
const printable = (v: ImageVerdict): ImageVerdict => ({ ...v, file: noNul(v.file), ...(v.reason === undefined ? {} : { reason: noNul(v.reason) }) });

export class JobRunner {
  readonly repo: JobsRepo;
  /** Where uploads wait for their job: DATA_DIR/imports, or a temp folder for an in-memory database. */
  readonly uploadsDir: string;
  /** This server, as the owner of the jobs it starts: only it can read their stored uploads. */
  readonly owner: string;
  private chain: Promise<void> = Promise.resolve();
  private closing = false;
  /** Jobs this runner has queued: recover() runs beside the first uploads and must not queue one of them again. */
  private readonly scheduled = new Set<string>();

  constructor(private readonly deps: JobRunnerDeps) {
    this.repo = deps.store.jobs;
    const memory = deps.config.DATA_DIR === ':memory:';
    this.uploadsDir = memory ? fs.mkdtempSync(path.join(os.tmpdir(), 'facestream-imports-')) : path.resolve(deps.config.DATA_DIR, 'imports');
    fs.mkdirSync(this.uploadsDir, { recursive: true });
    this.owner = memory ? `memory:${randomUUID()}` : `${os.hostname()}:${this.uploadsDir}`;
  }

  /** Queues this server's jobs that a previous process left unfinished (called once at start). */
  recover(): Promise<void> {
    return this.enqueue(async () => {
      for (const job of await this.repo.unfinished(this.owner)) {
        if (job.attempts >= MAX_ATTEMPTS) {
          await this.repo.finish(job.id, 'failed', `interrupted ${job.attempts} times (server restarts); not tried again`);
          await this.cleanUp(job);
        } else if (!fs.existsSync(job.sourcePath)) {
          await this.repo.finish(job.id, 'failed', `interrupted by a server restart, and its source ${job.kind === 'folder' ? 'folder' : 'upload'} is gone`);
        } else {
          if (this.scheduled.has(job.id)) continue;
          this.deps.log.info('import resumed after a restart', { job: job.id, attempts: job.attempts });
          this.schedule(job.id);
        }
      }
    });
  }

  /** Stores the upload, then queues its job; the zip is read in the job, not here. */
  async startZip(fileName: string, bytes: Uint8Array): Promise<JobRow> {
    const id = randomUUID();
    const sourcePath = path.join(this.uploadsDir, `${id}.zip`);
    await fs.promises.writeFile(sourcePath, bytes);
    return this.queue({ id, kind: 'zip', source: noNul(fileName).slice(0, 1000), sourcePath, owner: this.owner, exclude: [] });
  }

  /** Queues the job of a gallery file already spooled to `sourcePath` (under uploadsDir: see spoolPath). */
  startGallery(fileName: string, sourcePath: string): Promise<JobRow> {
    const id = path.basename(sourcePath, '.jsonl');
    return this.queue({ id, kind: 'gallery', source: noNul(fileName).slice(0, 1000), sourcePath, owner: this.owner, exclude: [] });
  }

  /** Where a gallery upload is spooled before its job exists; the file's name is the job's id. */
  spoolPath(): string {
    return path.join(this.uploadsDir, `${randomUUID()}.jsonl`);
  }

  startFolder(dir: string, exclude: string[] = []): Promise<JobRow> {
    return this.queue({ id: randomUUID(), kind: 'folder', source: dir, sourcePath: dir, owner: this.owner, exclude });
  }

  /** Resolves when every queued job has finished (tests, shutdown). */
  async idle(): Promise<void> {
    for (let c = this.chain; ; c = this.chain) {
      await c;
      if (c === this.chain) return;
    }
  }

  /** Stops after the person in progress; the job stays queued, and the next start resumes it. */
  async close(): Promise<void> {
    this.closing = true;
    await this.idle();
  }

  private async queue(job: Parameters<JobRunner['repo']['create']>[0] & { id: string }): Promise<JobRow> {
    // Marked before the row exists, so a recover() reading the table meanwhile leaves it to this call.
    this.scheduled.add(job.id);
    const row = await this.repo.create(job);
    await this.repo.prune(KEEP_JOBS).catch((err) => this.deps.log.warn('could not prune old import jobs', { error: message(err) }));
    this.schedule(row.id);
    return row;
  }

  private schedule(id: string): void {
    this.scheduled.add(id);
    this.chain = this.chain.then(() => this.run(id));
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(step).catch((err) => this.deps.log.error('import jobs', { error: message(err) }));
    return this.chain;
  }

  private async run(id: string): Promise<void> {
    if (this.closing) return;
    const { deps } = this;
    let job: JobRow;
    try {
      job = await this.repo.begin(id);
    } catch (err) {
      return void deps.log.error('import could not start', { job: id, error: message(err) });
    }
    if (job.kind === 'gallery') return this.runGallery(job);
    const counts: JobCounts = zeroCounts();
    let seq = 0;
    let state: 'done' | 'failed' | 'queued' = 'done';
    let error: string | null = null;
    let lastNotice = 0;
    let pendingNotice = false;
    const notify = () => {
      pendingNotice = true;
      if (Date.now() - lastNotice < NOTIFY_EVERY_MS) return;
      lastNotice = Date.now();
      pendingNotice = false;
      // This server's sessions only: the other servers reload once, when the job ends.
      void deps.galleryService.announce({ share: false });
    };
    const record = async (verdicts: ImageVerdict[]) => {
      for (const v of verdicts) {
        counts.processed += 1;
        if (v.status === 'accepted') counts.accepted += 1;
        else if (v.status === 'rejected') counts.rejected += 1;
        else counts.skipped += 1;
      }
      await this.repo.progress(id, counts, seq, verdicts.map(printable));
      seq += verdicts.length;
    };
    const faces = deps.store.faces;
    const enrolment = { gallery: deps.gallery, galleryService: deps.galleryService, quiet: true };
    const staging = path.join(this.uploadsDir, `${id}.d`);
    try {
      const entries = await this.entries(job, staging);
      const plan = planImport(entries, { stripTop: job.kind === 'zip', exclude: new Set(job.exclude) });
      counts.total = plan.verdicts.length + [...plan.people.values()].reduce((n, l) => n + l.length, 0);
      if (counts.total === 0) throw new Error(job.kind === 'zip' ? 'the zip holds no files' : 'the folder holds no files');
      await record(plan.verdicts);
      for (const [name, images] of plan.people) {
        if (this.closing) {
          state = 'queued';
          break;
        }
        const batch: ImageVerdict[] = [];
        const known = await faces.sourceHashes(name);
        const { result } = await enrolImages(
          { config: deps.config, scheduler: deps.scheduler, policy: deps.policy, enrolment },
          name,
          images,
          'bulk',
          (v) => batch.push(v),
          {
            knownHashes: known,
          },
        );
        if (result) notify();
        if (result?.created) counts.peopleCreated += 1;
        else if (result) counts.peopleUpdated += 1;
        await record(batch);
      }
    } catch (err) {
      state = 'failed';
      error = noNul(err instanceof ArchiveRefused ? `${err.code}: ${err.message}` : message(err));
      deps.log.error('import failed', { job: id, error });
    } finally {
      await this.repo.finish(id, state, error).catch((err) => deps.log.error('import state not stored', { job: id, error: message(err) }));
      await fs.promises.rm(staging, { recursive: true, force: true }).catch(() => {});
      if (state !== 'queued') await this.cleanUp(job);
      if (counts.accepted > 0) await deps.galleryService.announce().catch(() => {});
      else if (pendingNotice) await deps.galleryService.announce({ share: false }).catch(() => {});
      deps.log.info('import finished', {
        job: id,
        state,
        accepted: counts.accepted,
        rejected: counts.rejected,
        skipped: counts.skipped,
        attempt: job.attempts,
      });
    }
  }

  private async runGallery(job: JobRow): Promise<void> {
    const { deps } = this;
    let state: 'done' | 'failed' | 'queued' = 'done';
    let error: string | null = null;
    let lastNotice = 0;
    try {
      const model = { modelId: deps.analyzer.modelId, dims: deps.analyzer.dims };
      const ended = await runGalleryJob(
        job,
        { config: deps.config, model, galleryService: deps.galleryService },
        () => this.closing,
        () => {
          // This server's sessions hear of the growing gallery now and then; the others catch up from the log.
          if (Date.now() - lastNotice < NOTIFY_EVERY_MS) return;
          lastNotice = Date.now();
          void deps.galleryService.announce({ share: false });
        },
      );
      if (ended === 'stopped') state = 'queued';
    } catch (err) {
      state = 'failed';
      error = noNul(err instanceof GalleryFileError ? `${err.code}: ${err.message}` : message(err));
      deps.log.error('gallery import failed', { job: job.id, error });
    } finally {
      await this.repo.finish(job.id, state, error).catch((err) => deps.log.error('import state not stored', { job: job.id, error: message(err) }));
      if (state !== 'queued') await this.cleanUp(job);
      await deps.galleryService.announce().catch(() => {});
      deps.log.info('gallery import finished', { job: job.id, state, attempt: job.attempts });
    }
  }

  private async entries(job: JobRow, staging: string): Promise<SourceEntry[]> {
    const { config } = this.deps;
    if (job.kind === 'folder') return listFolder(job.sourcePath);
    return extractZip(job.sourcePath, staging, {
      maxEntries: config.IMPORT_MAX_ENTRIES,
      maxInflatedBytes: config.IMPORT_MAX_INFLATED_BYTES,
      maxEntryBytes: config.MAX_UPLOAD_BYTES,
      maxRatio: config.IMPORT_MAX_RATIO,
    });
  }

  /** A finished zip or gallery job's stored upload is deleted (a folder is the operator's). */
  private async cleanUp(job: JobRow): Promise<void> {
    if (job.kind !== 'folder') await fs.promises.rm(job.sourcePath, { force: true }).catch(() => {});
  }
}
