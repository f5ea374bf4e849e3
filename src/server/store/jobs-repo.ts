// Import job rows (tables import_jobs, import_job_results): create, progress with per-file results, finish, and the
// unfinished jobs a restarted server must resume or fail.
import { and, asc, desc, eq, inArray, notInArray, sql } from 'drizzle-orm';
import type { StoreDb } from './drizzle-db.js';
import { isUuid } from './sql-guards.js';
import { importJobResults, importJobs } from './schema.js';

export type JobRow = typeof importJobs.$inferSelect;
export type JobState = JobRow['state'];
export type NewJob = Pick<typeof importJobs.$inferInsert, 'id' | 'kind' | 'source' | 'sourcePath' | 'owner' | 'exclude'>;

/** The counters of a job, written with each batch of results. */
export interface JobCounts {
  total: number;
  processed: number;
  accepted: number;
  rejected: number;
  skipped: number;
  peopleCreated: number;
  peopleUpdated: number;
}

export const zeroCounts = (): JobCounts => ({ total: 0, processed: 0, accepted: 0, rejected: 0, skipped: 0, peopleCreated: 0, peopleUpdated: 0 });

export function jobsRepo(db: StoreDb) {
  return {
    async create(job: NewJob): Promise<JobRow> {
      const [row] = await db.insert(importJobs).values(job).returning();
      return row!;
    },

    async get(id: string): Promise<JobRow | null> {
      if (!isUuid(id)) return null;
      const [row] = await db.select().from(importJobs).where(eq(importJobs.id, id));
      return row ?? null;
    },

    /** Newest first. */
    async list(limit: number): Promise<JobRow[]> {
      return db.select().from(importJobs).orderBy(desc(importJobs.createdAt), desc(importJobs.id)).limit(limit);
    },

    async results<T>(id: string): Promise<T[]> {
      if (!isUuid(id)) return [];
      const rows = await db
        .select({ verdict: importJobResults.verdict })
        .from(importJobResults)
        .where(eq(importJobResults.jobId, id))
        .orderBy(asc(importJobResults.seq));
      return rows.map((r) => r.verdict as T);
    },

    /**
     * A new run of the job: running, one more attempt, counters and results from a previous run cleared. A gallery
     * file job keeps its counters and checkpoint: they were committed with its batches, and it reads on from there.
     */
    async begin(id: string): Promise<JobRow> {
      return db.transaction(async (tx) => {
        const [prev] = await tx.select({ kind: importJobs.kind }).from(importJobs).where(eq(importJobs.id, id));
        const resumes = prev?.kind === 'gallery';
        if (!resumes) await tx.delete(importJobResults).where(eq(importJobResults.jobId, id));
        const [row] = await tx
          .update(importJobs)
          .set({
            ...(resumes ? {} : zeroCounts()),
            state: 'running',
            attempts: sql`${importJobs.attempts} + 1`,
            startedAt: new Date(),
            finishedAt: null,
            error: null,
          })
          .where(eq(importJobs.id, id))
          .returning();
        if (!row) throw new Error(`job ${id} vanished`);
        return row;
      });
    },

    /** Appends results (numbered from `firstSeq`) and sets the counters, together. */
    async progress(id: string, counts: JobCounts, firstSeq: number, verdicts: object[]): Promise<void> {
      await db.transaction(async (tx) => {
        if (verdicts.length > 0) {
          await tx.insert(importJobResults).values(verdicts.map((v, i) => ({ jobId: id, seq: firstSeq + i, verdict: v as Record<string, unknown> })));
        }
        await tx.update(importJobs).set(counts).where(eq(importJobs.id, id));
      });
    },

    /** A gallery file job's counters and the last line committed: called inside the transaction of that batch. */
    async checkpoint(id: string, counts: JobCounts, line: number): Promise<void> {
      await db
        .update(importJobs)
        .set({ ...counts, checkpointLine: line })
        .where(eq(importJobs.id, id));
    },

    async finish(id: string, state: Extract<JobState, 'done' | 'failed' | 'queued'>, error: string | null = null): Promise<void> {
      await db
        .update(importJobs)
        // Back to queued = stopped by a clean shutdown: that run does not count as an interrupted attempt.
        .set({ state, error, finishedAt: state === 'queued' ? null : new Date(), ...(state === 'queued' ? { attempts: sql`${importJobs.attempts} - 1` } : {}) })
        .where(eq(importJobs.id, id));
    },

    /** Jobs of `owner` that a previous process left queued or running. */
    async unfinished(owner: string): Promise<JobRow[]> {
      return db
        .select()
        .from(importJobs)
        .where(and(eq(importJobs.owner, owner), inArray(importJobs.state, ['queued', 'running'])))
        .orderBy(asc(importJobs.createdAt));
    },

    /** Deletes finished jobs (and their results) beyond the newest `keep`. */
    async prune(keep: number): Promise<void> {
      const newest = db.select({ id: importJobs.id }).from(importJobs).orderBy(desc(importJobs.createdAt), desc(importJobs.id)).limit(keep);
      await db.delete(importJobs).where(and(inArray(importJobs.state, ['done', 'failed']), notInArray(importJobs.id, newest)));
    },
  };
}

export type JobsRepo = ReturnType<typeof jobsRepo>;
