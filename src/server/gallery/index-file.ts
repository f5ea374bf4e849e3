// The gallery's index on disk: the vector index file plus a metadata file (model, layout, checksum, face id by label),
// so a restart loads the index instead of rebuilding it from every embedding. The database stays the source of truth:
// a saved index is used only when the faces it holds are exactly the database's faces of that model, else rebuilt.
// One checksum covers everything that is loaded, the index file and every metadata field with the face id of each
// label: a face-id map reordered by hand (same faces, wrong labels) would otherwise name everyone as someone else.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import type { FaceIdsSnapshot } from './face-ids.js';
import { FaceTable, type FaceRef } from './face-table.js';
import type { IndexFactory, SavedIndex, VectorIndex } from './index-types.js';

/** Bumped whenever the files' meaning changes: an older file is rebuilt, never misread. 2: the checksum covers the
 *  metadata too. */
const FORMAT = 2;

const Meta = z.object({
  format: z.literal(FORMAT),
  modelId: z.string(),
  dims: z.number().int().positive(),
  layout: z.enum(['flat', 'ivf', 'hnsw', 'js']),
  planned: z.number().int().min(0),
  bytes: z.number().int().min(0),
  /** Of the index file and every other field (checksum()). */
  sha256: z.string().length(64),
  /** The face id at each label ever given ('' = removed); labels from its length on are new. Its items are checked
   *  in the loop that reads them: zod would walk a million of them once more. */
  faceIds: z.custom<string[]>((v) => Array.isArray(v), 'faceIds must be an array'),
});

export interface IndexFiles {
  index: string;
  meta: string;
}

/** One pair of files per model: a gallery is only ever searched with one model, and switching back finds its own. */
export function indexFiles(dir: string, modelId: string): IndexFiles {
  const base = path.join(dir, `gallery-${modelId.replace(/[^A-Za-z0-9._-]/g, '_')}`);
  return { index: `${base}.index`, meta: `${base}.json` };
}

type Covered = Omit<z.infer<typeof Meta>, 'sha256'>;

/** Face ids converted, hashed or written between two turns of the event loop: ~15 ms of a camera's wait at most. */
const IDS_SLICE = 5000;

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * `JSON.stringify(ids)`, byte for byte, as pieces of IDS_SLICE ids with a turn of the event loop between them: at 1M
 * faces the whole string took the server's main thread for seconds (issue 19), once on every save and every load.
 */
async function* jsonOfIds(ids: readonly string[]): AsyncGenerator<string> {
  yield '[';
  for (let i = 0; i < ids.length; i += IDS_SLICE) {
    if (i > 0) await turn();
    yield (
      (i > 0 ? ',' : '') +
      ids
        .slice(i, i + IDS_SLICE)
        .map((id) => JSON.stringify(id))
        .join(',')
    );
  }
  yield ']';
}

/**
 * The one checksum of a saved pair: sha256 over the metadata fields (as a JSON array in a fixed order, so key order in
 * the file does not matter) and then the index file's bytes. Checked before anything from either file is used.
 */
async function checksum(indexFile: string, m: Covered): Promise<string> {
  const hash = createHash('sha256');
  // JSON.stringify([m.format, m.modelId, m.dims, m.layout, m.planned, m.bytes, m.faceIds]), its ids a slice at a time.
  hash.update(JSON.stringify([m.format, m.modelId, m.dims, m.layout, m.planned, m.bytes]).slice(0, -1) + ',');
  for await (const piece of jsonOfIds(m.faceIds)) hash.update(piece);
  hash.update(']');
  hash.update('\n');
  await pipeline(fs.createReadStream(indexFile, { highWaterMark: 1 << 20 }), hash);
  return hash.digest('hex');
}

/** The face ids of a snapshot as one array, built a slice at a time. */
async function idsOf(snapshot: FaceIdsSnapshot): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < snapshot.labels; i += IDS_SLICE) {
    if (i > 0) await turn();
    for (const id of snapshot.slice(i, i + IDS_SLICE)) ids.push(id);
  }
  return ids;
}

/**
 * Writes index and table as they are now; the caller holds index changes back until it resolves. Written to temporary
 * names and renamed: a crash leaves the old pair or a pair whose checksum disagrees, both rejected at load.
 */
export async function saveIndex(files: IndexFiles, modelId: string, dims: number, table: FaceTable, index: VectorIndex): Promise<void> {
  if (!index.save) throw new Error(`the ${index.backend} index cannot be saved`);
  // Taken before the first await: the table changes at once while index changes are held, so this is the index's table.
  const snapshot = table.faceIdsSnapshot();
  await fs.promises.mkdir(path.dirname(files.index), { recursive: true });
  const tmp = { index: `${files.index}.tmp`, meta: `${files.meta}.tmp` };
  const layout = await index.save(tmp.index);
  const stat = await fs.promises.stat(tmp.index);
  const faceIds = await idsOf(snapshot);
  const covered: Covered = { format: FORMAT, modelId, dims, ...layout, bytes: stat.size, faceIds };
  const sha256 = await checksum(tmp.index, covered);
  const { faceIds: _ids, ...fields } = { ...covered, sha256 } satisfies z.infer<typeof Meta>;
  await fs.promises.writeFile(tmp.meta, metaText(fields, faceIds));
  await fs.promises.rename(tmp.index, files.index);
  await fs.promises.rename(tmp.meta, files.meta);
}

/** The metadata file's JSON, its face ids last and a slice at a time. */
async function* metaText(fields: Omit<z.infer<typeof Meta>, 'faceIds'>, faceIds: readonly string[]): AsyncGenerator<string> {
  yield JSON.stringify(fields).slice(0, -1) + ',"faceIds":';
  yield* jsonOfIds(faceIds);
  yield '}';
}

export type Loaded = { ok: true; table: FaceTable; index: VectorIndex } | { ok: false; reason: string };

/**
 * The saved index, if it is exactly the database's faces of this model (`faces`, read while the file is checked), else
 * why not. Face ids are never reused and a face's embedding never changes under the same model id (re-embedding moves
 * it to another model), so equal face-id sets mean equal vectors; people and names are taken from the database.
 */
export async function loadIndex(files: IndexFiles, modelId: string, dims: number, factory: IndexFactory, faces: () => Promise<FaceRef[]>): Promise<Loaded> {
  const no = (reason: string): Loaded => ({ ok: false, reason });
  if (!factory.load) return no('this index backend cannot load saved indexes');
  let text: string;
  try {
    text = await fs.promises.readFile(files.meta, 'utf8');
  } catch (err) {
    return no((err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no saved index' : `the saved index metadata is unreadable: ${String(err)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return no('the saved index metadata is corrupt (not JSON)');
  }
  const meta = Meta.safeParse(parsed);
  if (!meta.success) return no(`the saved index metadata is not of format ${FORMAT}: ${meta.error.issues[0]?.message ?? ''}`);
  const m = meta.data;
  if (m.modelId !== modelId || m.dims !== dims) return no(`the saved index is of model ${m.modelId} (${m.dims} dims), the gallery's is ${modelId} (${dims})`);
  const labelOf = new Map<string, number>();
  const dead: number[] = [];
  for (let label = 0; label < m.faceIds.length; label++) {
    const id: unknown = m.faceIds[label];
    if (typeof id !== 'string') return no(`the saved index metadata is not of format ${FORMAT}: face ${label} is not a string`);
    if (id === '') dead.push(label);
    else labelOf.set(id, label);
  }
  if (labelOf.size + dead.length !== m.faceIds.length) return no('the saved index metadata names a face twice');
  const wanted = factory.layoutFor?.(labelOf.size);
  if (wanted && wanted !== m.layout) return no(`the saved index is ${m.layout}, the settings choose ${wanted} for ${labelOf.size} faces`);
  // The database read (seconds at 1M faces) runs while the file is hashed; a failed read fails the load (start).
  const reading = faces();
  reading.catch(() => {});
  try {
    const stat = await fs.promises.stat(files.index);
    if (stat.size !== m.bytes) return no(`the saved index file has ${stat.size} bytes, its metadata says ${m.bytes} (torn write or corrupt)`);
    if ((await checksum(files.index, m)) !== m.sha256) return no('the saved index and its metadata do not match their checksum (corrupt or altered)');
  } catch (err) {
    return no(`the saved index file is unreadable: ${String(err)}`);
  }
  const refs = await reading;
  let missing = 0;
  for (const f of refs) if (!labelOf.has(f.faceId)) missing++;
  if (missing > 0 || refs.length !== labelOf.size) {
    return no(`the database has ${refs.length} faces of this model, the saved index ${labelOf.size}; ${missing} of the database's are not in it`);
  }
  const live = Float64Array.from(labelOf.values());
  const saved: SavedIndex = { layout: m.layout, planned: m.planned, live, dead: Float64Array.from(dead) };
  let index: VectorIndex;
  try {
    index = await factory.load(files.index, dims, saved);
  } catch (err) {
    return no(`the saved index file does not load: ${err instanceof Error ? err.message : String(err)}`);
  }
  const table = new FaceTable(dims);
  table.restore(refs, labelOf, m.faceIds.length);
  return { ok: true, table, index };
}
