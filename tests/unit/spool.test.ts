// The gallery job's upload spool (src/server/imports/spool.ts): a file the disk cannot hold is refused before a byte is
// written, with the sizes in the message, and an upload over its limit leaves no partial file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SPOOL_FREE_RESERVE_BYTES, SpoolNoSpace, SpoolTooLarge, checkSpoolSpace, spoolUpload } from '../../src/server/imports/spool.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facestream-spool-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const freeBytes = () => {
  const st = fs.statfsSync(dir);
  return st.bavail * st.bsize;
};
const body = (bytes: number) => new ReadableStream<Uint8Array>({ start: (c) => (c.enqueue(new Uint8Array(bytes)), c.close()) });

describe('upload spool', () => {
  it('refuses a declared size the disk cannot hold with the reserve, before writing anything', async () => {
    const dest = path.join(dir, 'too-big.jsonl');
    const declared = freeBytes() + 1;
    const err = await checkSpoolSpace(dest, declared).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpoolNoSpace);
    expect((err as Error).message).toMatch(new RegExp(`is ${declared} bytes and the disk of DATA_DIR has \\d+ bytes free`));
    expect(fs.existsSync(dest)).toBe(false);
    // The reserve counts: a file that fits but would leave the database less than the reserve is refused too.
    await expect(checkSpoolSpace(dest, Math.max(1, freeBytes() - SPOOL_FREE_RESERVE_BYTES + 1))).rejects.toBeInstanceOf(SpoolNoSpace);
  });

  it('lets a small declared size through, and an undeclared one (chunked) is checked as it is written', async () => {
    await expect(checkSpoolSpace(path.join(dir, 'small.jsonl'), 1000)).resolves.toBeUndefined();
    await expect(checkSpoolSpace(path.join(dir, 'chunked.jsonl'), NaN)).resolves.toBeUndefined();
    const dest = path.join(dir, 'written.jsonl');
    expect(await spoolUpload(body(4096), dest, 10_000)).toBe(4096);
    expect(fs.statSync(dest).size).toBe(4096);
  });

  it('deletes the partial file of an upload over its limit', async () => {
    const dest = path.join(dir, 'over.jsonl');
    await expect(spoolUpload(body(20_000), dest, 10_000)).rejects.toBeInstanceOf(SpoolTooLarge);
    expect(fs.existsSync(dest)).toBe(false);
  });
});
