// The train/ toolkit end to end on the in-repo fixtures: align -> pairs -> train a few steps -> export -> eval, as CLIs.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EMBEDDING_MODEL_ID } from '../../src/server/vision/embedder.js';
import { applyHead, HeadSchema, resolveModel } from '../../src/server/vision/models.js';

const FIXTURES = path.resolve('tests/fixtures/faces');
const tsx = path.resolve('node_modules/.bin/tsx');
const run = (script: string, args: string[]) =>
  execFileSync(tsx, [`train/${script}.ts`, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });

describe('train toolkit end to end', () => {
  it('aligns, pairs, trains, exports and evaluates; bad pair entries are counted, not dropped', { timeout: 150_000 }, () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'train-e2e-'));
    const aligned = path.join(tmp, 'aligned'),
      models = path.join(tmp, 'models');

    // every identity photo of the fixtures (folders starting with _ are not identities)
    const photos = fs
      .readdirSync(FIXTURES)
      .filter((d) => !d.startsWith('_') && fs.statSync(path.join(FIXTURES, d)).isDirectory())
      .reduce((n, d) => n + fs.readdirSync(path.join(FIXTURES, d)).filter((f) => f.endsWith('.jpg')).length, 0);
    expect(run('align', ['--root', FIXTURES, '--out', aligned])).toContain(`aligned ${photos}, already there 0, missed 0 of ${photos}`);
    expect(fs.existsSync(path.join(aligned, 'Barack_Obama', '1.png'))).toBe(true);
    expect(fs.existsSync(path.join(aligned, '_group'))).toBe(false);
    // Rerun resumes: nothing left to do.
    expect(run('align', ['--root', FIXTURES, '--out', aligned])).toContain(`aligned 0, already there ${photos}`);

    const pairsOut = run('pairs', ['--root', aligned, '--out', path.join(tmp, 'pairs'), '--seed', '3', '--folds', '4']);
    expect(pairsOut).toMatch(/4 folds x \((\d+) same \+ \1 different\)/);

    const trainOut = run('train', [
      '--root',
      aligned,
      '--out',
      path.join(tmp, 'run'),
      '--steps',
      '6',
      '--people',
      '3',
      '--per-person',
      '3',
      '--val-fraction',
      '0.4',
      '--eval-every',
      '3',
      '--checkpoint-every',
      '3',
    ]);
    expect(trainOut).toMatch(/trained 6 steps/);
    const curves = JSON.parse(fs.readFileSync(path.join(tmp, 'run', 'curves.json'), 'utf8'));
    expect(curves.map((r: { step: number }) => r.step)).toEqual([0, 3, 6]);
    expect(fs.readFileSync(path.join(tmp, 'run', 'curves.html'), 'utf8')).toContain('<svg');
    expect(fs.existsSync(path.join(tmp, 'run', 'checkpoints', 'step-00003.json'))).toBe(true);

    const exportOut = run('export', [
      '--id',
      'fixture-head',
      '--run',
      path.join(tmp, 'run'),
      '--models-dir',
      models,
      '--pairs',
      path.join(tmp, 'pairs.tsv'),
      '--root',
      aligned,
    ]);
    expect(exportOut).toMatch(/exported fixture-head/);
    const model = resolveModel('fixture-head', models);
    expect(model.manifest.base).toBe(EMBEDDING_MODEL_ID);
    expect(model.manifest.threshold).toBeGreaterThan(0);

    // Round trip: the loaded model projects a real (cached) base embedding exactly as the trained head does.
    const trained = HeadSchema.parse(JSON.parse(fs.readFileSync(path.join(tmp, 'run', 'head.json'), 'utf8')));
    const cached = fs.readFileSync(path.join(tmp, 'run', 'embeddings.jsonl'), 'utf8').split('\n')[1]!;
    const base = Float32Array.from(JSON.parse(cached).record.embedding as number[]);
    expect(Array.from(model.project(base))).toEqual(Array.from(applyHead(trained, base)));

    // Bad entries: a missing file, an undecodable image and a malformed line.
    fs.mkdirSync(path.join(aligned, 'Broken'));
    fs.writeFileSync(path.join(aligned, 'Broken', '1.jpg'), 'not a jpeg');
    const pairsFile = path.join(tmp, 'pairs-bad.tsv');
    fs.writeFileSync(
      pairsFile,
      `${fs.readFileSync(path.join(tmp, 'pairs.tsv'), 'utf8')}Nobody/1.png\tAmy/1.png\t0\nBroken/1.jpg\tAmy/1.png\t0\nnot a pair line\n`,
    );
    const evalOut = run('eval', [
      '--pairs',
      pairsFile,
      '--root',
      aligned,
      '--model',
      'fixture-head',
      '--models-dir',
      models,
      '--json',
      '--out',
      path.join(tmp, 'eval'),
    ]);
    const last = JSON.parse(evalOut.trim().split('\n').at(-1)!);
    const good = fs.readFileSync(path.join(tmp, 'pairs.tsv'), 'utf8').trim().split('\n').length;
    expect(last.pairs).toBe(good + 2);
    expect(last.missed).toBe(2);
    expect(last.bad_lines).toBe(1);
    expect(last.accuracy).toBeGreaterThan(0.8);
    for (const k of ['auc', 'tar_at_far_1e-2', 'threshold']) expect(typeof last[k]).toBe('number');
    expect(evalOut).toMatch(/Nobody\/1.png: unreadable: ENOENT/);
    expect(evalOut).toMatch(/Broken\/1.jpg: bad_image/);
    expect(fs.readFileSync(path.join(tmp, 'eval', 'report.html'), 'utf8')).toContain('<svg');
  });
});
