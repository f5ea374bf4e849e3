// Bulk import routes: a zip upload (operator) or a server-side folder (admin), laid out `<person name>/<image>`, each
// run as a job kept in the database (src/server/imports/job-runner.ts); and the jobs with their per-file reports.
import fs from 'node:fs';
import path from 'node:path';
import { z } from '@hono/zod-openapi';
import type { JobRunner } from '../imports/job-runner.js';
import type { JobRow } from '../store/jobs-repo.js';
import type { Config } from '../config.js';
import { resource, type App } from './context.js';
import { ApiError, errorDocs } from './errors.js';
import { SpoolNoSpace, SpoolTooLarge, checkSpoolSpace, spoolUpload } from '../imports/spool.js';
import { FileUpload, formRequest, json, jsonRequest, secured } from './schemas.js';

const JobSummary = z
  .object({
    id: z.string(),
    kind: z.enum(['zip', 'folder', 'gallery']),
    source: z.string(),
    state: z.enum(['queued', 'running', 'done', 'failed']),
    attempts: z.number().int().openapi({ description: 'Runs started; more than 1 when the job was resumed after a server restart.' }),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    total: z.number().int().openapi({ description: 'Entries of the zip or folder; known once the job has read them.' }),
    processed: z.number().int(),
    accepted: z.number().int(),
    rejected: z.number().int(),
    skipped: z.number().int().openapi({ description: 'Files this person already has a face from, duplicates, ignored (`.`/`_`) and excluded entries.' }),
    peopleCreated: z.number().int(),
    peopleUpdated: z.number().int(),
    error: z.string().nullable().openapi({ description: 'Why the job failed, naming the entry (or the line of a gallery file) when one decided it.' }),
    checkpointLine: z
      .number()
      .int()
      .openapi({ description: 'Gallery file jobs: the last line whose person is committed; a resumed job reads on after it (0 otherwise).' }),
    url: z.string(),
  })
  .openapi('JobSummary');

const ImportResult = z
  .object({
    file: z.string(),
    status: z.enum(['accepted', 'rejected', 'skipped']),
    code: z
      .string()
      .optional()
      .openapi({
        description:
          'rejected: not_an_image, image_too_large, payload_too_large, unreadable, bad_layout, bad_path, duplicate_path, compression_ratio, ' +
          'bad_archive, commit_failed, or an enrolment gate code; skipped: already_stored, duplicate_file, ignored, excluded',
      }),
    reason: z.string().optional(),
    faceId: z.string().optional(),
  })
  .openapi('ImportResult');
const JobDetail = JobSummary.extend({ results: z.array(ImportResult) }).openapi('Job');
const JobParam = z.object({
  id: z
    .string()
    .uuid()
    .openapi({ param: { name: 'id', in: 'path' } }),
});

const summary = (j: JobRow) => ({
  id: j.id,
  kind: j.kind,
  source: j.source,
  state: j.state,
  attempts: j.attempts,
  createdAt: j.createdAt.toISOString(),
  startedAt: j.startedAt?.toISOString() ?? null,
  finishedAt: j.finishedAt?.toISOString() ?? null,
  total: j.total,
  processed: j.processed,
  accepted: j.accepted,
  rejected: j.rejected,
  skipped: j.skipped,
  peopleCreated: j.peopleCreated,
  peopleUpdated: j.peopleUpdated,
  error: j.error,
  checkpointLine: j.checkpointLine,
  url: `/api/v1/jobs/${j.id}`,
});

/** Local file header, or the end record of an empty zip. */
const looksLikeZip = (b: Uint8Array) => b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && ((b[2] === 3 && b[3] === 4) || (b[2] === 5 && b[3] === 6));

export interface ImportsDeps {
  jobs: JobRunner;
  config: Pick<Config, 'MAX_IMPORT_BYTES' | 'GALLERY_JOB_MAX_BYTES'>;
}

export function importsRoutes(deps: ImportsDeps): App {
  const { jobs } = deps;
  const app = resource();
  app.openapi(
    secured(
      'operator',
      {
        method: 'post',
        path: '/api/v1/imports/zip',
        tags: ['import'],
        summary: 'Import a zip of `<person name>/<image>`',
        description:
          'Stores the upload and starts a background job (202); poll its url. The job inflates the zip one entry at a time under ' +
          'IMPORT_MAX_ENTRIES, IMPORT_MAX_INFLATED_BYTES and IMPORT_MAX_RATIO. Underscores in folder names become spaces (LFW layout); ' +
          'entries under folders starting with `_` or `.` are listed as skipped. Each image passes the live enrolment gates; files a ' +
          'person already has a face from are skipped, so uploading the same zip twice adds nothing.',
        request: formRequest(z.object({ file: FileUpload })),
        responses: { 202: json(JobSummary, 'Job started'), ...errorDocs('bad_archive') },
      },
      { body: 'multipart', maxBytes: () => deps.config.MAX_IMPORT_BYTES, maxBytesSetting: 'MAX_IMPORT_BYTES' },
    ),
    async (c) => {
      const file = c.req.valid('form').file;
      const bytes = new Uint8Array(await file.arrayBuffer());
      if (!looksLikeZip(bytes)) throw new ApiError('bad_archive', 'not a zip file (no zip signature at the start)');
      return c.json(summary(await jobs.startZip(file.name || 'upload.zip', bytes)), 202);
    },
  );

  app.openapi(
    secured('admin', {
      method: 'post',
      path: '/api/v1/imports/gallery',
      tags: ['import'],
      summary: 'Import a gallery export of any size, as a job',
      description:
        'The body is the file from GET /api/v1/gallery/export itself (gzip or plain JSON lines, not a form), written to ' +
        'DATA_DIR/imports as it arrives (never held in memory) under GALLERY_JOB_MAX_BYTES, then 202 with a job. The job reads ' +
        'the file as a stream, checks every line as POST /api/v1/gallery/import does, and commits GALLERY_IMPORT_BATCH_PEOPLE ' +
        'people per transaction together with its checkpoint (`checkpointLine`): a server restarted mid-import reads on from ' +
        'there. Another model (`model_mismatch`) or a bad line fails the job with `error` naming the code and the line; the ' +
        'batches before a bad line stay committed, and importing the same file again adds only what is missing.',
      request: { body: { content: { 'application/gzip': { schema: z.string().openapi({ format: 'binary' }) } }, required: true } },
      responses: { 202: json(JobSummary, 'Job started'), ...errorDocs('bad_request', 'payload_too_large', 'insufficient_storage') },
    }),
    async (c) => {
      const max = deps.config.GALLERY_JOB_MAX_BYTES;
      const declared = Number(c.req.header('content-length') ?? NaN);
      if (declared > max) throw new ApiError('payload_too_large', `the upload is over the limit of ${max} bytes (GALLERY_JOB_MAX_BYTES)`);
      const body = c.req.raw.body;
      if (!body) throw new ApiError('bad_request', 'the request has no body: send the export file itself as the body');
      const spool = jobs.spoolPath();
      let size: number;
      try {
        await checkSpoolSpace(spool, declared);
        size = await spoolUpload(body, spool, max);
      } catch (err) {
        if (err instanceof SpoolTooLarge) throw new ApiError('payload_too_large', err.message);
        if (err instanceof SpoolNoSpace) throw new ApiError('insufficient_storage', err.message);
        throw err;
      }
      if (size === 0) {
        await fs.promises.rm(spool, { force: true });
        throw new ApiError('bad_request', 'the request body is empty: send the export file itself as the body');
      }
      return c.json(summary(await jobs.startGallery(`gallery file (${size} bytes)`, spool)), 202);
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
        description:
          'Same as the zip import, from `path`, an absolute path on the server (a relative one is refused: it would depend on the ' +
          "server's working directory). `exclude` lists person folders to skip.",
        request: jsonRequest(
          z
            .object({
              path: z
                .string()
                .min(1)
                .max(4096)
                .refine((p) => path.isAbsolute(p), 'must be an absolute path on the server'),
              exclude: z.array(z.string()).max(1000).optional(),
            })
            .strict(),
        ),
        responses: { 202: json(JobSummary, 'Job started'), ...errorDocs('not_a_directory') },
      },
      { body: 'json' },
    ),
    async (c) => {
      const body = c.req.valid('json');
      const dir = path.resolve(body.path);
      if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new ApiError('not_a_directory', `${dir} is not a directory on the server`);
      return c.json(summary(await jobs.startFolder(dir, body.exclude)), 202);
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
    async (c) => c.json({ items: (await jobs.repo.list(100)).map(summary) }, 200),
  );

  app.openapi(
    secured('operator', {
      method: 'get',
      path: '/api/v1/jobs/{id}',
      tags: ['import'],
      summary: 'An import job with its per-file report',
      request: { params: JobParam },
      responses: { 200: json(JobDetail, 'Progress and results so far'), ...errorDocs('not_found') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const job = await jobs.repo.get(id);
      if (!job) throw new ApiError('not_found', `no job ${id}`);
      return c.json({ ...summary(job), results: await jobs.repo.results<z.infer<typeof ImportResult>>(id) }, 200);
    },
  );
  return app;
}
