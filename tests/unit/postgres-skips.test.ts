// Without TEST_DATABASE_URL a PostgreSQL suite shows as skipped with the reason in its name, never registers nothing
// (issue 19): vitest run in a child without the variable, on three files that use each way of registering one.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';

const run = promisify(execFile);
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'facestream-pg-skips-'));
afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

const FILES = ['tests/unit/store.test.ts', 'tests/unit/event-bus.test.ts', 'tests/unit/jobs-repo.test.ts'];

interface Report {
  testResults: { name: string; assertionResults: { status: string; ancestorTitles: string[]; title: string }[] }[];
}

it('PostgreSQL suites without TEST_DATABASE_URL are listed as skipped, with why', { timeout: 120_000 }, async () => {
  const env = { ...process.env };
  delete env.TEST_DATABASE_URL;
  const file = path.join(out, 'report.json');
  // Only the tests under a title naming the reason are selected: the rest of each file is not run.
  await run(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', ...FILES, '-t', 'needs TEST_DATABASE_URL', '--reporter=json', `--outputFile=${file}`], {
    env,
  });
  const report = JSON.parse(fs.readFileSync(file, 'utf8')) as Report;
  for (const f of FILES) {
    const results = report.testResults.find((r) => r.name.endsWith(f))?.assertionResults ?? [];
    const postgres = results.filter((a) => a.ancestorTitles.some((t) => t.includes('(needs TEST_DATABASE_URL)')));
    expect(postgres.length, f).toBeGreaterThan(0);
    expect(new Set(postgres.map((a) => a.status)), f).toEqual(new Set(['skipped']));
  }
});

it('no test file registers a PostgreSQL suite only inside an if', () => {
  const files = fs.readdirSync('tests', { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  const hidden = files.filter((f) =>
    /if \(\s*!?\s*(pgUrl|process\.env\.TEST_DATABASE_URL)\s*\)\s*\{?\s*(describe|it)\b/.test(fs.readFileSync(path.join('tests', f), 'utf8')),
  );
  expect(hidden).toEqual([]);
});
