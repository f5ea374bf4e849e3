// Where `npm run bench` writes its results and its report. The committed BENCHMARKS.md is generated only from the
// committed results (bench/results): a run with `--out DIR` (a lever measured with --set, a trial run) writes its
// report into DIR, and is refused if it names the committed report explicitly.
import path from 'node:path';

export const DEFAULT_OUT = 'bench/results';
export const COMMITTED_REPORT = 'BENCHMARKS.md';

export interface BenchPaths {
  outDir: string;
  report: string;
}

/** Absolute results directory and report file for `--out` and `--report` (either may be absent), relative to `cwd`. */
export function benchPaths(opts: { out?: string; report?: string }, cwd: string): BenchPaths {
  const outDir = path.resolve(cwd, opts.out ?? DEFAULT_OUT);
  const committedOut = outDir === path.resolve(cwd, DEFAULT_OUT);
  const committedReport = path.resolve(cwd, COMMITTED_REPORT);
  if (committedOut) return { outDir, report: path.resolve(cwd, opts.report ?? COMMITTED_REPORT) };
  const report = opts.report ? path.resolve(cwd, opts.report) : path.join(outDir, COMMITTED_REPORT);
  if (report === committedReport) {
    throw new Error(
      `--report ${opts.report}: ${COMMITTED_REPORT} is generated only from ${DEFAULT_OUT}; with --out ${opts.out} leave --report out (the report goes to ${path.join(opts.out!, COMMITTED_REPORT)})`,
    );
  }
  return { outDir, report };
}
