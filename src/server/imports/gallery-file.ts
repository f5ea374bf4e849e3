// Reads a gallery export (gzip'd or plain JSON lines) as a stream under named limits (inflated size, line length), and
// trusts none of it: every embedding is checked (dimensions, finite, unit norm) and re-normalised, every crop decoded.
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import sharp from 'sharp';
import { z } from 'zod';
import { text } from '../../shared/text.js';
import { pacer } from '../live-work.js';
import { bytesToEmbedding } from '../store/embedding-bytes.js';
import { CHIP_SIZE, WIDE_CHIP_SIZE } from '../vision/chip-geometry.js';

export const FORMAT = 'facestream-gallery';
export const FORMAT_VERSION = 1;

export type GalleryFileCode = 'bad_export' | 'model_mismatch' | 'import_too_large' | 'line_too_long';

export class GalleryFileError extends Error {
  constructor(
    readonly code: GalleryFileCode,
    message: string,
  ) {
    super(message);
  }
}

export interface GalleryFileLimits {
  /** IMPORT_MAX_INFLATED_BYTES */
  maxInflatedBytes: number;
  /** IMPORT_MAX_LINE_BYTES */
  maxLineBytes: number;
}

export interface ImportedFace {
  embedding: Float32Array;
  crop: Buffer | null;
  quality: number | null;
  /** Null (or absent in older files): embedded from the enrolment's picture; else re-embedded from a crop this many px a side. */
  embeddedFromCropPx: number | null;
}

export interface ImportedPerson {
  name: string;
  faces: ImportedFace[];
}

/** Stored embeddings are unit vectors; one further than this from norm 1 was not made by this server's pipeline. */
const NORM_TOLERANCE = 0.01;
/** Closer than this to norm 1 is float32 rounding: the bytes are kept as they are, so a re-import matches them exactly. */
const RENORMALISE_ABOVE = 1e-5;
/** Crops are the aligned 150x150 chip; anything this large is not one. */
const MAX_CROP_SIDE = 1024;
/** Blank lines are tolerated (an edited file), but not thousands of them. */
const MAX_BLANK_LINES = 100;
/** The longest the line reader holds the event loop before it yields to live frames, ms (about: plus one line). */
const PARSE_SLICE_MS = 3;

const Header = z.object({
  type: z.literal('header'),
  format: z.literal(FORMAT),
  version: z.literal(FORMAT_VERSION),
  modelId: z.string().min(1),
  dims: z.number().int().positive(),
  /** People in the file, as counted by the export (a job's `total`). */
  people: z.number().int().nonnegative().optional(),
});
const b64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'not base64');
const PersonLine = z.object({
  type: z.literal('person'),
  name: text({ max: 100 }),
  faces: z
    .array(
      z.object({
        embedding: b64,
        crop: b64.nullable(),
        quality: z.number().min(0).max(1).nullable(),
        embeddedFromCropPx: z.number().int().positive().max(MAX_CROP_SIDE).nullable().optional(),
      }),
    )
    .min(1),
});

const zodLine = (e: z.ZodError) =>
  e.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || 'line'}: ${i.message}`)
    .join('; ');

/** A file's bytes, gunzipped when they start with gzip's magic number, as one stream of chunks. */
export function inflated(raw: Readable, gzip: boolean): AsyncIterable<Buffer> {
  if (!gzip) return raw as AsyncIterable<Buffer>;
  const gunzip = createGunzip();
  // An error of either side ends the iteration of `gunzip` with it (a truncated gzip says "unexpected end of file").
  pipeline(raw, gunzip).catch(() => {});
  return gunzip;
}

/** The spooled file at `file`, gunzipped when it is gzip: read a chunk at a time, never whole. */
export async function fileSource(file: string): Promise<AsyncIterable<Buffer>> {
  const fh = await fs.promises.open(file, 'r');
  const magic = Buffer.alloc(2);
  try {
    await fh.read(magic, 0, 2, 0);
  } finally {
    await fh.close();
  }
  return inflated(fs.createReadStream(file), magic[0] === 0x1f && magic[1] === 0x8b);
}

/** The lines of `source`, never holding more than one line, refusing past the limits. */
async function* lines(source: AsyncIterable<Buffer>, limits: GalleryFileLimits): AsyncGenerator<{ no: number; text: string }> {
  let total = 0;
  let no = 0;
  let blank = 0;
  let partial: Buffer[] = [];
  let partialBytes = 0;
  const finish = (tail: Buffer): string | null => {
    const line = (partial.length ? Buffer.concat([...partial, tail]) : tail).toString('utf8').trim();
    partial = [];
    partialBytes = 0;
    no += 1;
    if (line !== '') return line;
    if (++blank > MAX_BLANK_LINES) throw new GalleryFileError('bad_export', `more than ${MAX_BLANK_LINES} blank lines (line ${no}): not an export file`);
    return null;
  };
  try {
    for await (const chunk of source) {
      total += chunk.byteLength;
      if (total > limits.maxInflatedBytes)
        throw new GalleryFileError('import_too_large', `the file inflates past ${limits.maxInflatedBytes} bytes (IMPORT_MAX_INFLATED_BYTES)`);
      let start = 0;
      for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
        if (partialBytes + nl - start > limits.maxLineBytes) throw tooLong(no + 1, limits);
        const line = finish(chunk.subarray(start, nl));
        start = nl + 1;
        if (line !== null) yield { no, text: line };
      }
      if (start < chunk.byteLength) {
        partialBytes += chunk.byteLength - start;
        if (partialBytes > limits.maxLineBytes) throw tooLong(no + 1, limits);
        partial.push(chunk.subarray(start));
      }
    }
  } catch (err) {
    if (err instanceof GalleryFileError) throw err;
    throw new GalleryFileError('bad_export', `not a readable export file (after line ${no}): ${err instanceof Error ? err.message : String(err)}`);
  }
  const last = finish(Buffer.alloc(0));
  if (last !== null) yield { no, text: last };
}

const tooLong = (no: number, limits: GalleryFileLimits) =>
  new GalleryFileError('line_too_long', `line ${no} is longer than ${limits.maxLineBytes} bytes (IMPORT_MAX_LINE_BYTES)`);

/** One person's line, checked; `no` is its line number in the file. */
export interface GalleryLine {
  no: number;
  person: ImportedPerson;
}

/**
 * The people of an export file one line at a time, each checked as it is read: the header first (refusing another
 * model), then every person. Lines up to `skipThrough` (a resumed job's checkpoint) are counted but not parsed.
 */
export async function* galleryLines(
  source: AsyncIterable<Buffer>,
  expect: { modelId: string; dims: number },
  limits: GalleryFileLimits,
  opts: { skipThrough?: number; onHeader?: (header: { people?: number }) => void } = {},
): AsyncGenerator<GalleryLine> {
  const skipThrough = opts.skipThrough ?? 0;
  let header: z.infer<typeof Header> | undefined;
  // Parsing and checking lines is main-thread work that awaits only microtasks: paced, cameras are served in between.
  const pace = pacer(PARSE_SLICE_MS);
  for await (const { no, text: line } of lines(source, limits)) {
    await pace();
    if (header && no <= skipThrough) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new GalleryFileError('bad_export', `line ${no} is not JSON`);
    }
    if (!header) {
      const h = Header.safeParse(value);
      if (!h.success) throw new GalleryFileError('bad_export', `not a ${FORMAT} file (line ${no}): ${zodLine(h.error)}`);
      header = h.data;
      if (header.modelId !== expect.modelId || header.dims !== expect.dims) {
        throw new GalleryFileError(
          'model_mismatch',
          `the file holds embeddings of model "${header.modelId}" (${header.dims} dims); this server uses "${expect.modelId}" (${expect.dims} dims). Re-enrol from images instead.`,
        );
      }
      opts.onHeader?.(header);
      continue;
    }
    const p = PersonLine.safeParse(value);
    if (!p.success) throw new GalleryFileError('bad_export', `line ${no}: ${zodLine(p.error)}`);
    const faces: ImportedFace[] = [];
    for (const [k, f] of p.data.faces.entries()) {
      const at = `line ${no}, face ${k + 1}`;
      const crop = f.crop === null ? null : await checkCrop(Buffer.from(f.crop, 'base64'), at);
      faces.push({
        embedding: checkEmbedding(Buffer.from(f.embedding, 'base64'), expect.dims, at),
        crop: crop?.crop ?? null,
        quality: f.quality,
        embeddedFromCropPx: checkEmbeddedFrom(f.embeddedFromCropPx, crop, at),
      });
    }
    yield { no, person: { name: p.data.name, faces } };
  }
  if (!header) throw new GalleryFileError('bad_export', `not a ${FORMAT} file: it is empty`);
}

/** Parses and checks the whole file before anything is written; people with the same name are merged. */
export async function readGalleryFile(bytes: Uint8Array, expect: { modelId: string; dims: number }, limits: GalleryFileLimits): Promise<ImportedPerson[]> {
  const gz = bytes[0] === 0x1f && bytes[1] === 0x8b;
  const source = inflated(Readable.from([Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)]), gz);
  const byName = new Map<string, ImportedPerson>();
  for await (const { person } of galleryLines(source, expect, limits)) {
    const key = person.name.toLowerCase();
    const known = byName.get(key);
    if (known) known.faces.push(...person.faces);
    else byName.set(key, person);
  }
  return [...byName.values()];
}

/** Exactly `dims` finite float32 values of norm 1 (within NORM_TOLERANCE), returned as a unit vector. */
export function checkEmbedding(raw: Buffer, dims: number, at: string): Float32Array {
  if (raw.byteLength !== dims * 4) throw new GalleryFileError('bad_export', `${at}: embedding has ${raw.byteLength} bytes, expected ${dims * 4}`);
  const e = bytesToEmbedding(raw);
  let sq = 0;
  for (const v of e) {
    if (!Number.isFinite(v)) throw new GalleryFileError('bad_export', `${at}: embedding has non-finite values`);
    sq += v * v;
  }
  const norm = Math.sqrt(sq);
  // A vector far from unit length scores above 1 against everyone (the attack scored 2.7): refuse, do not repair.
  if (Math.abs(norm - 1) > NORM_TOLERANCE)
    throw new GalleryFileError('bad_export', `${at}: embedding has norm ${norm.toPrecision(4)}; stored embeddings are unit vectors`);
  if (Math.abs(norm - 1) <= RENORMALISE_ABOVE) return e;
  return e.map((v) => v / norm);
}

/** A JPEG that decodes whole, of a chip's size, or the import is refused; with the side a re-embedding reads it as. */
async function checkCrop(crop: Buffer, at: string): Promise<{ crop: Buffer; readAsPx: number }> {
  let readAsPx: number;
  try {
    const meta = await sharp(crop, { limitInputPixels: MAX_CROP_SIDE * MAX_CROP_SIDE }).metadata();
    if (meta.format !== 'jpeg') throw new Error(`it is ${meta.format ?? 'not an image'}, not JPEG`);
    if (!meta.width || !meta.height || meta.width > MAX_CROP_SIDE || meta.height > MAX_CROP_SIDE)
      throw new Error(`${meta.width}x${meta.height} is not a face crop's size`);
    readAsPx = meta.width === WIDE_CHIP_SIZE && meta.height === WIDE_CHIP_SIZE ? WIDE_CHIP_SIZE : CHIP_SIZE; // gallery/reembed.ts
    await sharp(crop, { failOn: 'truncated', limitInputPixels: MAX_CROP_SIDE * MAX_CROP_SIDE })
      .raw()
      .toBuffer();
  } catch (err) {
    throw new GalleryFileError('bad_export', `${at}: crop is not a JPEG image: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { crop, readAsPx };
}

/**
 * `embeddedFromCropPx` as the file says it, checked against the face's own crop: a face is only ever re-embedded from
 * the crop it keeps, so the value is null or the side that crop is read as. A file claiming otherwise (which would hide
 * or invent a face's re-enrolment mark) is refused.
 */
function checkEmbeddedFrom(claimed: number | null | undefined, crop: { readAsPx: number } | null, at: string): number | null {
  if (claimed === undefined || claimed === null) return null;
  if (crop?.readAsPx === claimed) return claimed;
  throw new GalleryFileError(
    'bad_export',
    `${at}: embeddedFromCropPx ${claimed} does not match ${crop ? `its ${crop.readAsPx} px crop` : 'a face without a crop'}`,
  );
}
