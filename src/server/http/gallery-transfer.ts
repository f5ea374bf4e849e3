// Whole-gallery export and import as one gzip'd JSON-lines file (people, embeddings, crops, model id), so a gallery can move
// between servers. Import refuses a file made by another embedding model, and writes all of it or nothing.
import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from '@hono/zod-openapi';
import { bytesToEmbedding } from '../store/embedding-bytes.js';
import { galleryRepo } from '../store/gallery-repo.js';
import { galleryChanged, type App, type HttpDeps } from './context.js';
import { ApiError, errorDocs, zodMessage } from './errors.js';
import { FileUpload, formRequest, json, secured } from './schemas.js';

export const FORMAT = 'facestream-gallery';
export const FORMAT_VERSION = 1;

const Header = z.object({ type: z.literal('header'), format: z.literal(FORMAT), version: z.literal(FORMAT_VERSION), modelId: z.string().min(1), dims: z.number().int().positive() });
const b64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'not base64');
const PersonLine = z.object({
  type: z.literal('person'),
  name: z.string().trim().min(1).max(100),
  faces: z.array(z.object({ embedding: b64, crop: b64.nullable(), quality: z.number().min(0).max(1).nullable() })).min(1),
});

const ImportSummary = z
  .object({ modelId: z.string(), peopleCreated: z.number().int(), peopleMerged: z.number().int(), facesAdded: z.number().int(), facesSkipped: z.number().int() })
  .openapi('GalleryImportSummary');

export function mountGalleryTransfer(app: App, deps: HttpDeps): void {
  const repo = galleryRepo(deps.store.db);

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
      const people = await repo.exportPeople(deps.analyzer.modelId);
      const faces = people.reduce((n, p) => n + p.faces.length, 0);
      const lines = [
        JSON.stringify({ type: 'header', format: FORMAT, version: FORMAT_VERSION, modelId: deps.analyzer.modelId, dims: deps.analyzer.dims, exportedAt: new Date().toISOString(), people: people.length, faces }),
        ...people.map((p) =>
          JSON.stringify({
            type: 'person',
            name: p.name,
            createdAt: p.createdAt.toISOString(),
            faces: p.faces.map((f) => ({ embedding: f.embedding.toString('base64'), crop: f.crop?.toString('base64') ?? null, quality: f.quality, createdAt: f.createdAt.toISOString() })),
          }),
        ),
      ];
      const file = `facestream-gallery-${new Date().toISOString().slice(0, 10)}.jsonl.gz`;
      return c.body(new Uint8Array(gzipSync(lines.join('\n') + '\n')), 200, { 'Content-Type': 'application/gzip', 'Content-Disposition': `attachment; filename="${file}"` }) as never;
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
          'Form field `file`: a file from GET /api/v1/gallery/export (gzip or plain). People are matched by exact name (else created); ' +
          'faces a person already has are skipped. One transaction: all or nothing.',
        request: formRequest(z.object({ file: FileUpload })),
        responses: { 200: json(ImportSummary, 'Imported'), ...errorDocs('bad_export', 'model_mismatch') },
      },
      { body: 'multipart', maxBytes: () => deps.config.MAX_IMPORT_BYTES },
    ),
    async (c) => {
      const people = parseExport(new Uint8Array(await c.req.valid('form').file.arrayBuffer()), deps);
      const summary = await repo.importPeople(deps.analyzer.modelId, people);
      if (summary.facesAdded > 0) {
        await deps.gallery.reload();
        await galleryChanged(deps, { kind: 'changed' });
      }
      return c.json({ modelId: deps.analyzer.modelId, ...summary }, 200);
    },
  );
}

/** Validates the whole file before anything is written. */
function parseExport(bytes: Uint8Array, deps: HttpDeps) {
  let text: string;
  try {
    const gz = bytes[0] === 0x1f && bytes[1] === 0x8b;
    text = (gz ? gunzipSync(bytes, { maxOutputLength: 4 * deps.config.MAX_IMPORT_BYTES }) : Buffer.from(bytes)).toString('utf8');
  } catch (err) {
    throw new ApiError('bad_export', `not a readable export file: ${err instanceof Error ? err.message : String(err)}`);
  }
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const parse = (i: number) => {
    try {
      return JSON.parse(lines[i]!);
    } catch {
      throw new ApiError('bad_export', `line ${i + 1} is not JSON`);
    }
  };
  const header = Header.safeParse(lines.length ? parse(0) : null);
  if (!header.success) throw new ApiError('bad_export', `not a ${FORMAT} file (first line): ${zodMessage(header.error)}`);
  const { modelId, dims } = header.data;
  if (modelId !== deps.analyzer.modelId || dims !== deps.analyzer.dims) {
    throw new ApiError('model_mismatch', `the file holds embeddings of model "${modelId}" (${dims} dims); this server uses "${deps.analyzer.modelId}" (${deps.analyzer.dims} dims). Re-enrol from images instead.`);
  }
  const byName = new Map<string, { name: string; faces: { embedding: Float32Array; crop: Buffer | null; quality: number | null }[] }>();
  for (let i = 1; i < lines.length; i++) {
    const line = PersonLine.safeParse(parse(i));
    if (!line.success) throw new ApiError('bad_export', `line ${i + 1}: ${zodMessage(line.error)}`);
    const person = byName.get(line.data.name) ?? { name: line.data.name, faces: [] };
    line.data.faces.forEach((f, k) => {
      const raw = Buffer.from(f.embedding, 'base64');
      if (raw.byteLength !== dims * 4) throw new ApiError('bad_export', `line ${i + 1}, face ${k + 1}: embedding has ${raw.byteLength} bytes, expected ${dims * 4}`);
      const embedding = bytesToEmbedding(raw);
      if (!embedding.every(Number.isFinite)) throw new ApiError('bad_export', `line ${i + 1}, face ${k + 1}: embedding has non-finite values`);
      person.faces.push({ embedding, crop: f.crop === null ? null : Buffer.from(f.crop, 'base64'), quality: f.quality });
    });
    byName.set(person.name, person);
  }
  return [...byName.values()];
}
