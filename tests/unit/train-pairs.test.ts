// Pairs generation (balanced, seeded, deterministic), the pair-list formats, and the dataset walk with bad entries.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveLfwImage, walkDataset, type Person } from '../../train/lib/dataset.js';
import { allSamePairs, generateAllPairs, generatePairs, parsePairs, toLfw, toTsv } from '../../train/lib/pairs.js';

const people: Person[] = [
  { name: 'A', images: ['A/1.jpg', 'A/2.jpg', 'A/3.jpg', 'A/4.jpg'] },
  { name: 'B', images: ['B/1.jpg', 'B/2.jpg', 'B/3.jpg'] },
  { name: 'C', images: ['C/1.jpg', 'C/2.jpg'] },
  { name: 'D', images: ['D/1.jpg'] },
];

describe('pairs generation', () => {
  it('is balanced per fold, and draws valid, distinct pairs', () => {
    const g = generatePairs(people, { seed: 7, folds: 5 });
    expect(allSamePairs(people)).toHaveLength(6 + 3 + 1);
    expect(g.perFold).toBe(2);
    expect(g.pairs).toHaveLength(20);
    for (let f = 0; f < 5; f++) {
      const fold = g.pairs.slice(f * 4, (f + 1) * 4);
      expect(fold.map((p) => p.same)).toEqual([true, true, false, false]);
    }
    for (const p of g.pairs) expect(p.a.split('/')[0] === p.b.split('/')[0]).toBe(p.same);
    expect(new Set(g.pairs.map((p) => `${p.a} ${p.b}`)).size).toBe(20);
  });

  it('is deterministic for a seed and changes with it', () => {
    const a = generatePairs(people, { seed: 1, folds: 5 }).pairs;
    expect(generatePairs(people, { seed: 1, folds: 5 }).pairs).toEqual(a);
    expect(generatePairs(people, { seed: 2, folds: 5 }).pairs).not.toEqual(a);
    expect(generateAllPairs(people, 3)).toEqual(generateAllPairs(people, 3));
    expect(generateAllPairs(people, 3)).toHaveLength((10 * 9) / 2);
  });

  it('writes and reads TSV and LFW pairs.txt', () => {
    const g = generatePairs(people, { seed: 1, folds: 5 });
    const tsv = parsePairs(toTsv(g.pairs));
    expect(tsv.format).toBe('tsv');
    expect(tsv.pairs.map((p) => ({ a: p.a, b: p.b, same: p.same }))).toEqual(g.pairs);
    const lfw = parsePairs(toLfw(g.pairs, 5, g.perFold, people));
    expect(lfw.format).toBe('lfw');
    expect(lfw.pairs).toHaveLength(20);
    expect(lfw.pairs[0]!.a).toEqual({ person: g.pairs[0]!.a.split('/')[0], n: Number(g.pairs[0]!.a.split('/')[1]![0]) });
  });

  it('reports malformed lines instead of throwing', () => {
    const r = parsePairs('A/1.jpg\tA/2.jpg\t1\nA/1.jpg\tB/1.jpg\nA/1.jpg\tB/1.jpg\tyes\n\nC/1.jpg\tD/1.jpg\t0\n');
    expect(r.pairs).toHaveLength(2);
    expect(r.problems.map((p) => p.line)).toEqual([2, 3]);
  });
});

describe('dataset walk', () => {
  it('skips _group and video, reports empty folders and stray files, resolves LFW references', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'train-ds-'));
    for (const d of ['Ann', 'Bob', 'Empty', '_group', 'video']) fs.mkdirSync(path.join(root, d));
    for (const f of ['Ann/1.jpg', 'Ann/2.jpg', 'Ann/10.jpg', 'Ann/notes.txt', 'Bob/Bob_0001.jpg', '_group/x.jpg', 'video/v.mp4'])
      fs.writeFileSync(path.join(root, f), 'x');
    const ds = walkDataset(root);
    expect(ds.people.map((p) => p.name)).toEqual(['Ann', 'Bob']);
    expect(ds.people[0]!.images).toEqual(['Ann/1.jpg', 'Ann/2.jpg', 'Ann/10.jpg']);
    expect(ds.problems).toEqual([
      { path: 'Ann/notes.txt', reason: 'not an image (extension)' },
      { path: 'Empty', reason: 'empty folder: no images' },
    ]);
    expect(resolveLfwImage(root, 'Bob', 1)).toBe('Bob/Bob_0001.jpg');
    expect(resolveLfwImage(root, 'Ann', 10)).toBe('Ann/10.jpg');
    expect(resolveLfwImage(root, 'Ann', 7)).toBeNull();
    expect(resolveLfwImage(root, 'Nobody', 1)).toBeNull();
  });
});
