// A gallery import job gives way to cameras (issue 19): at 1M faces a job that never paused held a streaming camera's
// p95 at 2.7x its idle round trip on two cores. While a camera streams, the job commits STREAMING_BATCH_PEOPLE people a
// batch and rests after each BULK_REST_FACTOR times as long as the batch took; with no camera it runs
// GALLERY_IMPORT_BATCH_PEOPLE a batch and never rests. Proven here on PGlite with a real gallery service and a real
// file, with frames taken up as a session does.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalBus } from '../../src/server/events/local-bus.js';
import { createGallery } from '../../src/server/gallery/gallery.js';
import { createGalleryService, type GalleryService } from '../../src/server/gallery/service.js';
import { createJsIndex } from '../../src/server/gallery/vector-index.js';
import { runGalleryJob, STREAMING_BATCH_PEOPLE, type GalleryJobDeps } from '../../src/server/imports/gallery-job.js';
import { beginLiveWork, BULK_REST_FACTOR, BULK_REST_MAX_MS, camerasStreaming } from '../../src/server/live-work.js';
import { silentLogger } from '../../src/server/log.js';
import { MEMORY, openStore } from '../../src/server/store/db.js';
import type { Store } from '../../src/server/store/types.js';

const MODEL = { modelId: 'model-streaming', dims: 8 };
const BATCH = 500;

/** A gallery file of `n` people named `prefix i`, one unit embedding each. */
function writeFile(dir: string, prefix: string, n: number): string {
  const lines = [JSON.stringify({ type: 'header', format: 'facestream-gallery', version: 1, ...MODEL, people: n })];
  for (let i = 0; i < n; i++) {
    const v = Float32Array.from({ length: MODEL.dims }, (_, k) => Math.sin(i * 3.7 + k * 1.1 + prefix.length));
    const norm = Math.hypot(...v);
    const embedding = Buffer.from(v.map((x) => x / norm).buffer).toString('base64');
    lines.push(
      JSON.stringify({ type: 'person', name: `${prefix} ${i}`, createdAt: new Date().toISOString(), faces: [{ embedding, crop: null, quality: null }] }),
    );
  }
  const file = path.join(dir, `${prefix}.jsonl.gz`);
  fs.writeFileSync(file, zlib.gzipSync(lines.join('\n') + '\n'));
  return file;
}

describe('a gallery import job on PGlite while a camera streams', () => {
  let store: Store;
  let service: GalleryService;
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facestream-streaming-import-'));
    store = await openStore({ dataDir: MEMORY });
    const gallery = await createGallery({
      store,
      modelId: MODEL.modelId,
      dims: MODEL.dims,
      indexFactory: createJsIndex,
      changeHead: () => store.changes.head(),
    });
    service = createGalleryService({ store, gallery, bus: createLocalBus(silentLogger), modelId: MODEL.modelId, settings: { importBatchPeople: BATCH } });
  });
  afterAll(async () => {
    service?.close();
    await store?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Runs a job over `file`, timing each batch's commit; returns the batches' sizes, start and end times. */
  async function run(file: string) {
    const job = await store.jobs.create({ kind: 'gallery', source: path.basename(file), sourcePath: file, owner: 'test' });
    const batches: { people: number; start: number; end: number }[] = [];
    const deps: GalleryJobDeps = {
      config: { GALLERY_IMPORT_BATCH_PEOPLE: BATCH, GALLERY_JOB_MAX_INFLATED_BYTES: 1 << 30, IMPORT_MAX_LINE_BYTES: 1 << 20 },
      model: MODEL,
      galleryService: {
        importBatch: async (people, alsoInTx) => {
          const start = performance.now();
          const summary = await service.importBatch(people, alsoInTx);
          batches.push({ people: people.length, start, end: performance.now() });
          return summary;
        },
      },
    };
    expect(
      await runGalleryJob(
        job,
        deps,
        () => false,
        () => {},
      ),
    ).toBe('done');
    return batches;
  }

  it('with no camera, commits GALLERY_IMPORT_BATCH_PEOPLE a batch', { timeout: 120_000 }, async () => {
    expect(camerasStreaming()).toBe(false);
    const batches = await run(writeFile(dir, 'Quiet', 3 * STREAMING_BATCH_PEOPLE + 10));
    expect(batches.map((b) => b.people)).toEqual([3 * STREAMING_BATCH_PEOPLE + 10]);
  });

  it(
    'while frames arrive, commits STREAMING_BATCH_PEOPLE a batch and rests after each BULK_REST_FACTOR times as long as it took',
    { timeout: 120_000 },
    async () => {
      // A camera at ~30 fps: each frame taken up and answered as a session does.
      const camera = setInterval(() => beginLiveWork()(), 33);
      beginLiveWork()();
      try {
        const n = 4 * STREAMING_BATCH_PEOPLE + 10;
        const batches = await run(writeFile(dir, 'Busy', n));
        expect(batches.map((b) => b.people)).toEqual([...Array(4).fill(STREAMING_BATCH_PEOPLE), 10]);
        // The gap before each next batch holds the rest: at least BULK_REST_FACTOR times the previous batch's
        // commit (its reading of lines counts too, so the rest is longer), up to BULK_REST_MAX_MS.
        for (let i = 1; i < batches.length; i++) {
          const commitMs = batches[i - 1]!.end - batches[i - 1]!.start;
          const gapMs = batches[i]!.start - batches[i - 1]!.end;
          expect(gapMs).toBeGreaterThanOrEqual(Math.min(BULK_REST_FACTOR * commitMs, BULK_REST_MAX_MS) * 0.9 - 1);
        }
        expect((await store.listPeople()).filter((p) => p.name.startsWith('Busy ')).length).toBe(n);
      } finally {
        clearInterval(camera);
      }
    },
  );
});
