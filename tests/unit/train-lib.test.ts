// Checkpoints (resume, torn lines), triplet mining, and the model manifest + head round trip.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordedCommand, recordedPath } from '../../train/lib/args.js';
import { openCheckpoint } from '../../train/lib/checkpoint.js';
import { prng } from '../../train/lib/pairs.js';
import { mineSemiHard, sampleBatch, squaredDistances } from '../../train/lib/triplets.js';
import { applyHead, embedderOf, parseVariantId, reembedCompatibility, resolveModel, writeManifest } from '../../src/server/vision/models.js';
import { DEFAULT_EMBEDDER_OPTIONS, EMBEDDING_MODEL_ID, embedderModelId } from '../../src/server/vision/embedder.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'train-lib-'));

describe('recorded paths', () => {
  // Results and docs are committed: a machine's absolute path in them (issue 19: "docs/accuracy.md names an absolute
  // path") tells the next reader nothing and leaks the layout of whoever ran it.
  it('records a data folder beside the repository relative to it, and a far one as given', () => {
    const beside = path.resolve(process.cwd(), '..', 'shared', 'faces');
    expect(recordedPath(beside)).toBe(path.join('..', 'shared', 'faces'));
    expect(recordedPath(path.resolve('data/pairs'))).toBe(path.join('data', 'pairs'));
    expect(recordedPath(process.cwd())).toBe('.');
    const far = path.join(os.tmpdir(), 'spoof-obs.json');
    expect(recordedPath(far)).toBe(path.relative(process.cwd(), far).startsWith('../..') ? far : path.relative(process.cwd(), far));
    expect(recordedCommand('eval:liveness', ['--root', beside, '--people', '12'])).toBe(
      `npm run eval:liveness -- --root ${path.join('..', 'shared', 'faces')} --people 12`,
    );
  });
});

describe('checkpoints', () => {
  it('resume from the records written, skip a torn last line, and restart on other settings', () => {
    const file = path.join(tmp(), 'c.jsonl');
    const a = openCheckpoint<number>(file, { v: 1 });
    a.append('x', 1);
    a.append('y', 2);
    fs.appendFileSync(file, '{"key":"z","rec');
    const b = openCheckpoint<number>(file, { v: 1 });
    expect([...b.done]).toEqual([
      ['x', 1],
      ['y', 2],
    ]);
    b.append('z', 3);
    expect([...openCheckpoint<number>(file, { v: 1 }).done]).toEqual([
      ['x', 1],
      ['y', 2],
      ['z', 3],
    ]);
    expect(openCheckpoint<number>(file, { v: 2 }).done.size).toBe(0);
  });
});

describe('triplet mining', () => {
  it('picks semi-hard negatives, falls back to the nearest farther one, never a closer one', () => {
    // 1-D points: person 0 at 0 and 1; person 1 at 1.2 and 5.
    const pts = [[0], [1], [1.2], [5]];
    const d = squaredDistances(pts);
    const t = mineSemiHard(d, [0, 0, 1, 1], 0.5, prng(1));
    // anchor 0, positive 1: d_ap = 1; negatives 1.44 (semi-hard, < 1.5) and 25.
    expect(t).toContainEqual({ a: 0, p: 1, n: 2 });
    // anchor 1, positive 0: d_ap = 1; negative 2 at 0.04 is closer (skipped), 3 at 16 is the fallback.
    expect(t).toContainEqual({ a: 1, p: 0, n: 3 });
    for (const x of t) expect(d[x.a]![x.n]!).toBeGreaterThan(d[x.a]![x.p]!);
  });

  it('samples P people x K images, only people with two or more images', () => {
    const labels = [0, 0, 0, 1, 1, 2];
    const b = sampleBatch(labels, 5, 2, prng(3));
    expect(b).toHaveLength(4);
    expect(b.every((i) => labels[i] !== 2)).toBe(true);
  });
});

describe('models', () => {
  it('variant ids round-trip, and the default id is the original one', () => {
    expect(EMBEDDING_MODEL_ID).toBe('dlib-resnet128.chip150.crop1.25.flip.v1');
    expect(parseVariantId('dlib-resnet128.chip150.flip.v1')).toMatchObject({ cropScale: 1.1, flip: true }); // the first default, still recognised
    for (const o of [DEFAULT_EMBEDDER_OPTIONS, { flip: false, chipPadding: 0.3, cropScale: 1.25, refine: true }])
      expect(parseVariantId(embedderModelId(o))).toEqual(o);
    expect(parseVariantId('something-else')).toBeNull();
  });

  it('exported head loads back with identical outputs', () => {
    const dir = tmp();
    const rand = prng(9);
    const w = Array.from({ length: 128 }, (_, o) => Array.from({ length: 128 }, (_, i) => Math.fround((o === i ? 1 : 0) + (rand() - 0.5) * 0.1)));
    const head = { kind: 'mlp' as const, layers: [{ w, b: Array.from({ length: 128 }, () => Math.fround(rand() * 0.01)), activation: 'linear' as const }] };
    fs.mkdirSync(path.join(dir, 'm1'));
    fs.writeFileSync(path.join(dir, 'm1', 'head.json'), JSON.stringify(head));
    writeManifest(
      {
        id: 'm1',
        base: EMBEDDING_MODEL_ID,
        embedder: DEFAULT_EMBEDDER_OPTIONS,
        dims: 128,
        threshold: 0.5,
        created: new Date().toISOString(),
        head: 'head.json',
      },
      dir,
    );
    const model = resolveModel('m1', dir);
    const x = Float32Array.from({ length: 128 }, () => rand() - 0.5);
    expect(Array.from(model.project(x))).toEqual(Array.from(applyHead(head, x)));
    expect(model.manifest.threshold).toBe(0.5);
    expect(() => resolveModel('nope', dir)).toThrow(/unknown embedding model "nope"; models\/ holds: m1/);
    // Crops of the base (same chip) can move to m1; crops of another chip padding or of an unknown model cannot.
    expect(embedderOf('m1', dir)).toEqual(DEFAULT_EMBEDDER_OPTIONS);
    expect(reembedCompatibility(EMBEDDING_MODEL_ID, model.manifest, dir)).toEqual({ ok: true });
    expect(reembedCompatibility('dlib-resnet128.chip150.pad0.3.flip.v1', model.manifest, dir).ok).toBe(false);
    expect(reembedCompatibility('mystery-model', model.manifest, dir)).toMatchObject({ ok: false, reason: expect.stringMatching(/unknown/) });
  });
});
