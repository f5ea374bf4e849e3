// Inflates an import zip as a stream, one entry at a time, into a staging folder, under named limits (entry count, total
// inflated bytes, per-entry size and compression ratio), so a zip bomb costs at most what the limits allow.
import fs from 'node:fs';
import path from 'node:path';
import { Unzip, UnzipInflate, UnzipPassThrough, type AsyncFlateStreamHandler, type UnzipFile } from 'fflate';
import type { SourceEntry } from './layout.js';

export interface ZipLimits {
  /** IMPORT_MAX_ENTRIES */
  maxEntries: number;
  /** IMPORT_MAX_INFLATED_BYTES, over every entry together */
  maxInflatedBytes: number;
  /** MAX_UPLOAD_BYTES: one image */
  maxEntryBytes: number;
  /** IMPORT_MAX_RATIO */
  maxRatio: number;
}

/** The whole archive is refused (nothing is imported); `entry` names the entry where it was decided. */
export class ArchiveRefused extends Error {
  constructor(
    readonly code: 'too_many_entries' | 'too_much_data' | 'bad_archive',
    message: string,
    readonly entry?: string,
  ) {
    super(message);
  }
}

/** Compressed bytes read from disk per step; one step inflates at most ~1000x this (deflate's ceiling). */
const CHUNK_BYTES = 16 * 1024;
/** Entries smaller than this are never refused for their ratio (a tiny text file compresses well and costs nothing). */
const RATIO_FLOOR_BYTES = 64 * 1024;

interface Pending {
  path: string;
  index: number;
  chunks: Uint8Array[];
  bytes: number;
  /** Compressed bytes read from the file when the entry began: bounds its compressed size when the header has none. */
  startedAt: number;
  done: boolean;
  refused?: { code: string; reason: string };
}

/** Extracts `zipPath` into `stagingDir` (created) and returns its file entries, each read back from the staging copy. */
export async function extractZip(zipPath: string, stagingDir: string, limits: ZipLimits): Promise<SourceEntry[]> {
  await fs.promises.mkdir(stagingDir, { recursive: true });
  const entries: SourceEntry[] = [];
  const open: Pending[] = [];
  let failure: ArchiveRefused | undefined;
  let inflated = 0;
  let count = 0;
  let read = 0;

  // The entry whose decoder start() is building (start() runs inside onfile): the decoder drops the compressed bytes of
  // an entry already refused, so refusing costs no inflation.
  let starting: Pending | undefined;
  class GuardedInflate {
    static compression = 8;
    ondata: AsyncFlateStreamHandler = () => {};
    private readonly entry = starting!;
    private readonly inner = new UnzipInflate();
    constructor() {
      this.inner.ondata = (err, data, final) => this.ondata(err, data, final);
    }
    push(chunk: Uint8Array, final: boolean): void {
      if (!this.entry.refused && !failure) this.inner.push(chunk, final);
    }
  }

  const unzip = new Unzip();
  unzip.register(GuardedInflate);
  unzip.register(UnzipPassThrough);
  unzip.onfile = (file: UnzipFile) => {
    if (failure || file.name.endsWith('/')) return; // a directory entry holds nothing
    count += 1;
    if (count > limits.maxEntries) {
      failure = new ArchiveRefused(
        'too_many_entries',
        `entry ${count} (${file.name}): the zip holds more than ${limits.maxEntries} entries (IMPORT_MAX_ENTRIES)`,
        file.name,
      );
      return;
    }
    const entry: Pending = { path: file.name, index: count, chunks: [], bytes: 0, startedAt: read, done: false };
    open.push(entry);
    const refuse = (code: string, reason: string) => {
      entry.refused = { code, reason };
      entry.chunks = [];
    };
    const declared = file.originalSize;
    if (file.compression !== 0 && file.compression !== 8)
      refuse('bad_archive', `compression method ${file.compression} is not supported (only stored and deflate)`);
    else if (declared !== undefined && declared > limits.maxEntryBytes)
      refuse('payload_too_large', `${declared} bytes, over the limit of ${limits.maxEntryBytes}`);
    else if (declared !== undefined && declared > RATIO_FLOOR_BYTES && declared > limits.maxRatio * Math.max(file.size ?? 0, 1)) {
      refuse(
        'compression_ratio',
        `inflates to ${declared} bytes from ${file.size}, more than ${limits.maxRatio} times (IMPORT_MAX_RATIO): a zip bomb, not a photo`,
      );
    }
    file.ondata = (err, chunk, final) => {
      if (entry.refused || failure) return;
      if (err) return refuse('bad_archive', `the entry cannot be inflated: ${err.message}`);
      entry.bytes += chunk.byteLength;
      if (entry.bytes > limits.maxEntryBytes) return refuse('payload_too_large', `inflates past ${limits.maxEntryBytes} bytes, the limit for one image`);
      if (declared !== undefined && entry.bytes > declared) return refuse('bad_archive', `inflates past the ${declared} bytes its header declares`);
      // Streamed zips carry no sizes: what was read from disk since the entry began bounds its compressed size.
      const compressed = file.size ?? read - entry.startedAt + CHUNK_BYTES;
      if (entry.bytes > RATIO_FLOOR_BYTES && entry.bytes > limits.maxRatio * Math.max(compressed, 1)) {
        return refuse(
          'compression_ratio',
          `inflates more than ${limits.maxRatio} times its compressed size of ${compressed} bytes (IMPORT_MAX_RATIO): a zip bomb, not a photo`,
        );
      }
      // Only what is kept (and staged on disk) counts: refused entries are dropped as they inflate.
      inflated += chunk.byteLength;
      if (inflated > limits.maxInflatedBytes) {
        failure = new ArchiveRefused(
          'too_much_data',
          `entry ${entry.index} (${entry.path}): the zip inflates past ${limits.maxInflatedBytes} bytes (IMPORT_MAX_INFLATED_BYTES)`,
          entry.path,
        );
        return;
      }
      entry.chunks.push(chunk);
      if (final) entry.done = true;
    };
    starting = entry;
    file.start();
    starting = undefined;
  };

  // Settled entries go to disk at once, so memory holds at most the entry being inflated.
  const settle = async (all: boolean) => {
    while (open.length > 0 && (all || open[0]!.done || open[0]!.refused)) {
      const e = open.shift()!;
      if (!e.refused && !e.done) e.refused = { code: 'bad_archive', reason: 'the entry is cut short (truncated zip)' };
      if (e.refused) {
        entries.push({ path: e.path, read: async () => new Uint8Array(), refused: e.refused });
        continue;
      }
      const staged = path.join(stagingDir, String(e.index));
      await fs.promises.writeFile(staged, Buffer.concat(e.chunks));
      entries.push({ path: e.path, size: e.bytes, read: async () => new Uint8Array(await fs.promises.readFile(staged)) });
      e.chunks = [];
    }
  };

  const stream = fs.createReadStream(zipPath, { highWaterMark: CHUNK_BYTES });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      read += chunk.byteLength;
      try {
        unzip.push(chunk, false);
      } catch (err) {
        throw new ArchiveRefused('bad_archive', `not a readable zip: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (failure) throw failure;
      await settle(false);
    }
    try {
      unzip.push(new Uint8Array(0), true);
    } catch (err) {
      throw new ArchiveRefused('bad_archive', `not a readable zip: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (failure) throw failure;
    await settle(true);
  } finally {
    stream.destroy();
  }
  return entries;
}
