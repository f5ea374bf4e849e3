// Whole-gallery export and import as one gzip'd JSON-lines file (people, embeddings, crops, model id), so a gallery can move
// between servers. Export streams: a page of people at a time from the database, through gzip, to the client. Import reads the file as a stream and checks all of it (src/server/imports/gallery-file.ts), refuses
// a file made by another embedding model, and writes it in batches of people (GALLERY_IMPORT_BATCH_PEOPLE), each all or nothing.
import { z } from '@hono/zod-openapi';
import { FORMAT, FORMAT_VERSION, GalleryFileError, readGalleryFile } from '../imports/gallery-file.js';
import type { Config } from '../config.js';
import { GalleryImportError, type GalleryService } from '../gallery/service.js';
import type { Logger } from '../log.js';
import type { GalleryRepo, TransferPerson } from '../store/gallery-repo.js';
import { resource, type App } from './context.js';
import { ApiError, errorDocs } from './errors.js';
import { streamText } from './gzip-stream.js';
import { FileUpload, formRequest, json, secured } from './schemas.js';

const ImportSummary = z
  .object({
    modelId: z.string(),
    peopleCreated: z.number().int(),
    peopleMerged: z.number().int(),
    facesAdded: z.number().int(),
    facesSkipped: z.number().int(),
  })
  .openapi('GalleryImportSummary');

export interface GalleryTransferDeps {
  transfer: Pick<GalleryRepo, 'exportCounts' | 'exportPages'>;
  galleryService: Pick<GalleryService, 'importPeople'>;
  /** The running embedding model: exports name it, imports must match it. */
  model: { modelId: string; dims: number };
  config: Pick<Config, 'MAX_IMPORT_BYTES' | 'IMPORT_MAX_INFLATED_BYTES' | 'IMPORT_MAX_LINE_BYTES'>;
  log: Pick<Logger, 'error'>;
}

/** One person's line of the export file. */
function personLine(p: TransferPerson) {
  return {
    type: 'person',
    name: p.name,
    createdAt: p.createdAt.toISOString(),
    faces: p.faces.map((f) => ({
      embedding: f.embedding.toString('base64'),
      crop: f.crop?.toString('base64') ?? null,
      quality: f.quality,
      embeddedFromCropPx: f.embeddedFromCropPx,
      createdAt: f.createdAt.toISOString(),
    })),
  };
}

export function galleryTransferRoutes(deps: GalleryTransferDeps): App {
  const app = resource();
  const repo = deps.transfer;

  app.openapi(
    secured('admin', {
      method: 'get',
      path: '/api/v1/gallery/export',
      tags: ['gallery'],
      summary: 'Export the whole gallery',
      description:
        'gzip of JSON lines: a header `{type:"header", format, version, modelId, dims, exportedAt, people, faces}`, then one ' +
        '`{type:"person", name, createdAt, faces:[{embedding, crop, quality, createdAt}]}` per person (embedding: float32 little-endian, base64; crop: JPEG, base64).',
      responses: { 200: { description: 'The export file', content: { 'application/gzip': { schema: z.string().openapi({ format: 'binary' }) } } } },
    }),
    async (c) => {
      const modelId = deps.model.modelId;
      // Counted as the export begins; the people are then read and written a page at a time.
      const counts = await repo.exportCounts(modelId);
      const header = {
        type: 'header',
        format: FORMAT,
        version: FORMAT_VERSION,
        modelId,
        dims: deps.model.dims,
        exportedAt: new Date().toISOString(),
        ...counts,
      };
      async function* lines() {
        yield JSON.stringify(header) + '\n';
        for await (const page of repo.exportPages(modelId)) {
          yield page.map((p) => JSON.stringify(personLine(p)) + '\n').join('');
        }
      }
      const file = `facestream-gallery-${new Date().toISOString().slice(0, 10)}.jsonl.gz`;
      return streamText(c, lines(), {
        headers: { 'Content-Type': 'application/gzip', 'Content-Disposition': `attachment; filename="${file}"` },
        gzip: true,
        onError: (err) => deps.log.error('gallery export cut short', { error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
      }) as never;
    },
  );

  app.openapi(
    secured(
      'admin',
      {
        method: 'post',
        path: '/api/v1/gallery/import',
        tags: ['gallery'],
        summary: 'Import a gallery export',
        description:
          'Form field `file`: a file from GET /api/v1/gallery/export (gzip or plain), read as a stream under IMPORT_MAX_INFLATED_BYTES and ' +
          "IMPORT_MAX_LINE_BYTES. Every embedding must have the model's dimensions, finite values and unit norm; every crop must be a " +
          'JPEG. People are matched by name (ignoring case), else created; faces a person already has are skipped. Committed ' +
          'GALLERY_IMPORT_BATCH_PEOPLE people per transaction: an import that stops (import_incomplete) says how many people were ' +
          'committed, and importing the same file again adds only what is missing.',
        request: formRequest(z.object({ file: FileUpload })),
        responses: {
          200: json(ImportSummary, 'Imported'),
          ...errorDocs('bad_export', 'model_mismatch', 'line_too_long', 'import_too_large', 'import_incomplete'),
        },
      },
      { body: 'multipart', maxBytes: () => deps.config.MAX_IMPORT_BYTES, maxBytesSetting: 'MAX_IMPORT_BYTES' },
    ),
    async (c) => {
      let people;
      try {
        people = await readGalleryFile(new Uint8Array(await c.req.valid('form').file.arrayBuffer()), deps.model, {
          maxInflatedBytes: deps.config.IMPORT_MAX_INFLATED_BYTES,
          maxLineBytes: deps.config.IMPORT_MAX_LINE_BYTES,
        });
      } catch (err) {
        if (err instanceof GalleryFileError) throw new ApiError(err.code, err.message);
        throw err;
      }
      let summary;
      try {
        summary = await deps.galleryService.importPeople(people);
      } catch (err) {
        if (err instanceof GalleryImportError) {
          deps.log.error('gallery import stopped', { error: err.message, cause: String(err.cause) });
          throw new ApiError('import_incomplete', err.message);
        }
        throw err;
      }
      return c.json({ modelId: deps.model.modelId, ...summary }, 200);
    },
  );
  return app;
}
