// Background bulk imports: an in-memory job list with progress and a per-image report (jobs do not survive a restart).
import { randomUUID } from 'node:crypto';
import type { HttpDeps } from './context.js';
import { enrolImages, type ImageVerdict } from './enrol-images.js';
import type { ImportPlan } from './import-source.js';

export interface Job {
  id: string;
  kind: 'zip' | 'folder';
  source: string;
  state: 'queued' | 'running' | 'done' | 'failed';
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  total: number;
  processed: number;
  accepted: number;
  rejected: number;
  peopleCreated: number;
  peopleUpdated: number;
  error: string | null;
  results: ImageVerdict[];
}

const KEEP_JOBS = 50;
/** Live sessions hear about the growing gallery at most this often during an import (each notice makes them re-vote). */
const NOTIFY_EVERY_MS = 2000;

export class JobRunner {
  private readonly jobs = new Map<string, Job>();
  /** Imports run one after another: one bulk stream of inference at a time, behind live frames. */
  private chain: Promise<void> = Promise.resolve();
  private closing = false;

  constructor(private readonly deps: HttpDeps) {}

  get(id: string): Job | undefined {
    return this.jobs.get(id);
  }

  list(): Job[] {
    return [...this.jobs.values()].reverse();
  }

  /** Queues an import and returns its job at once. */
  start(kind: Job['kind'], source: string, plan: ImportPlan): Job {
    const total = plan.rejected.length + [...plan.people.values()].reduce((n, l) => n + l.length, 0);
    const job: Job = {
      id: randomUUID(), kind, source, state: 'queued', createdAt: new Date(), startedAt: null, finishedAt: null,
      total, processed: plan.rejected.length, accepted: 0, rejected: plan.rejected.length, peopleCreated: 0, peopleUpdated: 0, error: null,
      results: [...plan.rejected],
    };
    this.jobs.set(job.id, job);
    while (this.jobs.size > KEEP_JOBS) {
      const oldest = [...this.jobs.values()].find((j) => j.state === 'done' || j.state === 'failed');
      if (!oldest) break;
      this.jobs.delete(oldest.id);
    }
    this.chain = this.chain.then(() => this.run(job, plan));
    return job;
  }

  /** Resolves when every queued job has finished (tests, shutdown). */
  idle(): Promise<void> {
    return this.chain;
  }

  /** Stops running imports after the person in progress; queued ones fail at once. */
  async close(): Promise<void> {
    this.closing = true;
    await this.chain;
  }

  private async run(job: Job, plan: ImportPlan): Promise<void> {
    const { deps } = this;
    job.state = 'running';
    job.startedAt = new Date();
    let lastNotice = 0;
    let pendingNotice = false;
    const notify = () => {
      pendingNotice = true;
      if (Date.now() - lastNotice < NOTIFY_EVERY_MS) return;
      lastNotice = Date.now();
      pendingNotice = false;
      deps.onGalleryChanged();
    };
    const enrolment = { store: deps.store, gallery: deps.gallery, modelId: deps.analyzer.modelId, onGalleryChanged: notify };
    try {
      for (const [name, images] of plan.people) {
        if (this.closing) throw new Error('server shutting down; the people imported so far are stored');
        const { result } = await enrolImages({ config: deps.config, scheduler: deps.scheduler, enrolment }, name, images, 'bulk', (v) => {
          job.processed += 1;
          job.results.push(v);
          if (v.status === 'accepted') job.accepted += 1;
          else job.rejected += 1;
        });
        if (result?.created) job.peopleCreated += 1;
        else if (result) job.peopleUpdated += 1;
      }
      job.state = 'done';
    } catch (err) {
      job.state = 'failed';
      job.error = err instanceof Error ? err.message : String(err);
      deps.log.error('import failed', { job: job.id, error: job.error });
    } finally {
      job.finishedAt = new Date();
      if (pendingNotice || job.accepted > 0) deps.onGalleryChanged();
      if (job.accepted > 0) await deps.sync.publish({ kind: 'changed' });
      deps.log.info('import finished', { job: job.id, state: job.state, accepted: job.accepted, rejected: job.rejected, ms: job.finishedAt.getTime() - job.startedAt.getTime() });
    }
  }
}
