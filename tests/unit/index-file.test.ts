// The gallery's saved index (gallery/index-file.ts): its face-id map is turned into JSON, hashed and written a slice at
// a time (issue 19: at 1M faces, 4 s and 2 s blocks of the cameras' event loop), and the checksum is byte for byte the
// one files were written with before, so an index saved by an older server still loads.
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FaceTable } from '../../src/server/gallery/face-table.js';
import { indexFiles, loadIndex, saveIndex } from '../../src/server/gallery/index-file.js';
import { createJsIndex } from '../../src/server/gallery/vector-index.js';

const DIMS = 4;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe('saved gallery index', () => {
  it('saves 30,000 faces a slice at a time under the checksum files had before, and loads them back', { timeout: 60_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facestream-index-'));
    dirs.push(dir);
    const table = new FaceTable(DIMS);
    const faces = Array.from({ length: 30_000 }, (_, i) => ({
      faceId: randomUUID(),
      personId: `p${i % 1000}`,
      personName: `P ${i % 1000}`,
      embedding: Float32Array.from([1, i % 7, i % 11, 1]).map((x, _k, a) => x / Math.hypot(...a)),
    }));
    const index = createJsIndex(DIMS, { count: faces.length, sample: () => new Float32Array() });
    const { ids, vectors } = table.add(faces);
    index.add(ids, vectors);
    index.remove(table.removeFaces([faces[3]!.faceId]));
    const files = indexFiles(dir, 'model-x');

    await saveIndex(files, 'model-x', DIMS, table, index);

    const meta = JSON.parse(fs.readFileSync(files.meta, 'utf8')) as Record<string, unknown> & { faceIds: string[]; sha256: string };
    expect(meta.faceIds).toEqual(table.faceIdsByLabel());
    // What the checksum was before it was taken in slices: one JSON string of every field, then the index file.
    const old = createHash('sha256');
    old.update(JSON.stringify([meta.format, meta.modelId, meta.dims, meta.layout, meta.planned, meta.bytes, meta.faceIds]));
    old.update('\n');
    old.update(fs.readFileSync(files.index));
    expect(meta.sha256).toBe(old.digest('hex'));

    const loaded = await loadIndex(files, 'model-x', DIMS, createJsIndex, async () => faces.slice(0, 3).concat(faces.slice(4)));
    expect(loaded.ok ? 'ok' : loaded.reason).toBe('ok');
    if (loaded.ok) expect([loaded.table.faces, loaded.table.labelsGiven, loaded.index.size]).toEqual([29_999, 30_000, 29_999]);
  });
});
