// Bulk import: a zip upload (operator) or a server-side folder (admin), laid out `<person name>/<image>`; runs as a job.
import fs from 'node:fs';
import path from 'node:path';
import { z } from '@hono/zod-openapi';
import type { App, HttpDeps } from './context.js';
import { ApiError, errorDocs } from './errors.js';
import { planFolder, planZip, type ImportPlan } from './import-source.js';
import { ImageResult } from './faces.js';
import type { Job, JobRunner } from './jobs.js';
import { FileUpload, formRequest, json, jsonRequest, secured } from './schemas.js';

const JobSummary = z
  .object({
    id: z.string(),
    kind: z.enum(['zip', 'folder']),
    source: z.string(),
    state: z.enum(['queued', 'running', 'done', 'failed']),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    total: z.number().int(),
    processed: z.number().int(),
    accepted: z.number().int(),
    rejected: z.number().int(),
    peopleCreated: z.number().int(),
    peopleUpdated: z.number().int(),
    error: z.string().nullable(),
    url: z.string(),
  })
  .openapi('JobSummary');
const JobDetail = JobSummary.extend({ results: z.array(ImageResult) }).openapi('Job');
const JobParam = z.object({ id: z.string().uuid().openapi({ param: { name: 'id', in: 'path' } }) });

const summary = ({ results: _r, ...j }: Job) => ({
  ...j,
  createdAt: j.createdAt.toISOString(),
  startedAt: j.startedAt?.toISOString() ?? null,
  finishedAt: j.finishedAt?.toISOString() ?? null,
  url: `/api/v1/jobs/${j.id}`,
});

export function mountImports(app: App, deps: HttpDeps, jobs: JobRunner): void {
  const maxImage = deps.config.MAX_UPLOAD_BYTES;

  app.openapi(
    secured(
      'operator',
      {
        method: 'post',
        path: '/api/v1/imports/zip',
        tags: ['import'],
        summary: 'Import a zip of `<person name>/<image>`',
        description:
          'Starts a background job (202) and returns it; poll its url. Underscores in folder names become spaces (LFW layout); ' +
          'folders starting with `_` or `.` are skipped. Each image passes the live enrolment gates.',
        request: formRequest(z.object({ file: FileUpload })),
        responses: { 202: json(JobSummary, 'Job started'), ...errorDocs('bad_archive') },
      },
      { body: 'multipart', maxBytes: () => deps.config.MAX_IMPORT_BYTES },
    ),
    async (c) => {
      const file = c.req.valid('form').file;
      let plan: ImportPlan;
      try {
        plan = planZip(new Uint8Array(await file.arrayBuffer()), maxImage);
      } catch (err) {
        throw new ApiError('bad_archive', `not a readable zip: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (plan.people.size === 0 && plan.rejected.length === 0) throw new ApiError('bad_archive', 'the zip holds no <person name>/<image> entries');
      return c.json(summary(jobs.start('zip', file.name || 'upload.zip', plan)), 202);
    },
  );

  app.openapi(
    secured(
      'admin',
      {
        method: 'post',
        path: '/api/v1/imports/folder',
        tags: ['import'],
        summary: 'Import a folder on the server',
        description: 'Same as the zip import, from `path` on the server (absolute). `exclude` lists person folders to skip.',
        request: jsonRequest(z.object({ path: z.string().min(1).max(4096), exclude: z.array(z.string()).max(1000).optional() }).strict()),
        responses: { 202: json(JobSummary, 'Job started'), ...errorDocs('not_a_directory') },
      },
      { body: 'json' },
    ),
    async (c) => {
      const body = c.req.valid('json');
      const dir = path.resolve(body.path);
      if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new ApiError('not_a_directory', `${dir} is not a directory on the server`);
      return c.json(summary(jobs.start('folder', dir, planFolder(dir, maxImage, body.exclude))), 202);
    },
  );

  app.openapi(
    secured('operator', {
      method: 'get',
      path: '/api/v1/jobs',
      tags: ['import'],
      summary: 'Recent import jobs',
      responses: { 200: json(z.object({ items: z.array(JobSummary) }), 'Newest first') },
    }),
    (c) => c.json({ items: jobs.list().map(summary) }, 200),
  );

  app.openapi(
    secured('operator', {
      method: 'get',
      path: '/api/v1/jobs/{id}',
      tags: ['import'],
      summary: 'An import job with its per-image report',
      request: { params: JobParam },
      responses: { 200: json(JobDetail, 'Progress and results so far'), ...errorDocs('not_found') },
    }),
    (c) => {
      const job = jobs.get(c.req.valid('param').id);
      if (!job) throw new ApiError('not_found', `no job ${c.req.valid('param').id} (jobs are kept in memory until a restart)`);
      return c.json({ ...summary(job), results: job.results }, 200);
    },
  );
}
