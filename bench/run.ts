// `npm run bench`: runs the suites one after another against a server with default settings, writes
// bench/results/<suite>.json for each, then regenerates BENCHMARKS.md from every results file present. With
// `--out DIR` the results and the report (DIR/BENCHMARKS.md) go to DIR, never to the committed BENCHMARKS.md.
// Usage: npm run bench [-- --only live,liveness,cameras,stalls] [--set KEY=VALUE --out DIR] [--quick] [--faces ../shared/faces] [--out bench/results] [--report FILE]
//        npm run bench -- --only soak [--soak-minutes 60]   (the soak runs only when named: it takes an hour)
//        npm run bench -- --report-only
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runBaseline } from './baseline.js';
import { runCameras } from './cameras.js';
import { runEmbed } from './embed.js';
import { runIpCameras } from './ipcameras.js';
import { runImport } from './import.js';
import { describeMachine, machineReferenceMs, sampleLoad } from './lib/machine.js';
import { benchPaths, type BenchPaths } from './lib/report-path.js';
import { startBenchServer, type BenchServer, type ResultsFile, type SuiteContext, type SuiteOutput } from './lib/suite.js';
import { runLive } from './live.js';
import { runLiveness } from './liveness.js';
import { runStalls } from './stalls.js';
import { renderReport } from './report.js';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    quick: { type: 'boolean', default: false },
    faces: { type: 'string' },
    /** Results directory (default bench/results). Another directory gets its own report, DIR/BENCHMARKS.md. */
    out: { type: 'string' },
    /** Report file (default BENCHMARKS.md with the default --out, else DIR/BENCHMARKS.md; never the committed one then). */
    report: { type: 'string' },
    /** Only regenerate BENCHMARKS.md from the results files present (e.g. after another suite's own run). */
    'report-only': { type: 'boolean', default: false },
    /** A server setting to change from its default, KEY=VALUE, repeatable: to measure a lever before choosing a default. Use with --out. */
    set: { type: 'string', multiple: true, default: [] },
    /** The soak's length (bench/soak.ts --minutes); --quick makes it 5. */
    'soak-minutes': { type: 'string', default: '60' },
  },
});
const overrides = Object.fromEntries(
  values.set!.map((kv) => {
    const i = kv.indexOf('=');
    if (i <= 0) throw new Error(`--set ${kv}: expected KEY=VALUE`);
    return [kv.slice(0, i), kv.slice(i + 1)];
  }),
);

/** Suites written by other modules as their own scripts: run as a child process, they write their own results file. */
const SCRIPTS: Record<string, { file: string; args: (quick: boolean, out: string) => string[] }> = {
  tracking: { file: 'bench/tracking.ts', args: (quick, out) => ['--out', out, ...(quick ? ['--scenes', '4'] : [])] },
  naming: { file: 'bench/naming.ts', args: (quick, out) => ['--out', out, ...(quick ? ['--scenes', '3'] : [])] },
  gallery: {
    file: 'bench/gallery.ts',
    args: (quick, out) => ['--out', out, '--breadths', GALLERY_BREADTHS.join(','), ...(quick ? ['--sizes', '20000', '--queries', '100'] : [])],
  },
  // Its own PostgreSQL cluster and server processes: 100k and 1M faces, cold and warm (~10 minutes).
  ready: { file: 'bench/ready.ts', args: (quick, out) => ['--out', out, ...(quick ? ['--sizes', '20000'] : [])] },
  // Its own PostgreSQL cluster: two servers following each other, and 20k-people gallery imports (~5 minutes).
  // A server, one camera and hostile clients for an hour (issue 19): RSS slope and heap diff. Only with --only soak.
  soak: { file: 'bench/soak.ts', args: (quick, out) => ['--out', out, '--minutes', quick ? '5' : values['soak-minutes']!] },
  sync: { file: 'bench/sync.ts', args: (quick, out) => ['--out', out, ...(quick ? ['--faces', '10000', '--rounds', '5', '--import-people', '2000'] : [])] },
};
const GALLERY_BREADTHS = [4, 8, 12, 16, 32];
const IN_PROCESS: Record<string, (ctx: SuiteContext) => Promise<SuiteOutput>> = {
  live: runLive,
  liveness: runLiveness,
  cameras: runCameras,
  ipcameras: runIpCameras,
  baseline: runBaseline,
  import: runImport,
  embed: runEmbed,
  stalls: runStalls,
};
/** live, liveness, cameras, ipcameras and baseline share one server; it is stopped before the suites that need the cores to themselves. */
const ORDER = ['live', 'liveness', 'cameras', 'ipcameras', 'baseline', 'tracking', 'naming', 'gallery', 'ready', 'sync', 'import', 'embed', 'stalls', 'soak'];
/** Suites a plain `npm run bench` leaves out: they run only when --only names them. */
const ON_REQUEST = ['soak'];

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const only = values.only ? values.only.split(',').map((s) => s.trim()) : ORDER.filter((s) => !ON_REQUEST.includes(s));
const unknown = only.filter((s) => !ORDER.includes(s));
if (unknown.length) {
  log(`unknown suite(s): ${unknown.join(', ')}; the suites are ${ORDER.join(', ')}`);
  process.exit(2);
}
let paths: BenchPaths;
try {
  paths = benchPaths(values, process.cwd());
} catch (err) {
  log((err as Error).message);
  process.exit(2);
}
const { outDir, report } = paths;
fs.mkdirSync(outDir, { recursive: true });

let shared: Promise<BenchServer> | null = null;
const ctx: SuiteContext = {
  quick: values.quick!,
  facesDir: values.faces,
  log,
  server: () =>
    (shared ??=
      (log(`starting the server (${values.set!.length ? values.set!.join(' ') : 'default settings'}) and enrolling the benchmark people`),
      startBenchServer(overrides))),
};
let backend = 'unknown';
const stopShared = async () => {
  if (!shared) return;
  const s = await shared.catch(() => null);
  shared = null;
  await s?.stop();
};

function runScript(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${file} exited with ${code}: ${stdout.slice(-2000)}`))));
  });
}

/** A script's own results file, completed with what every results file carries (machine, load, run time). */
async function runScriptSuite(name: string, started: Date, load: ReturnType<typeof sampleLoad>): Promise<Record<string, unknown> | null> {
  const spec = SCRIPTS[name]!;
  if (!fs.existsSync(spec.file)) return (log(`${name}: ${spec.file} does not exist yet; skipped`), null);
  const file = path.join(outDir, `${name}.json`);
  const stdout = await runScript(spec.file, spec.args(ctx.quick, file));
  const written = fs.existsSync(file) && fs.statSync(file).mtimeMs >= started.getTime() ? JSON.parse(fs.readFileSync(file, 'utf8')) : null;
  const defaultFile = path.join('bench/results', `${name}.json`);
  const fallback =
    !written && fs.existsSync(defaultFile) && fs.statSync(defaultFile).mtimeMs >= started.getTime() ? JSON.parse(fs.readFileSync(defaultFile, 'utf8')) : null;
  const lastJson = stdout
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  const own = written ?? fallback ?? (lastJson ? { results: JSON.parse(lastJson) } : null);
  if (!own) throw new Error(`${name}: ${spec.file} wrote no results file and printed no JSON`);
  const settings = name === 'gallery' ? { ...own.settings, breadths: GALLERY_BREADTHS } : (own.settings ?? {});
  return {
    ...own,
    suite: name,
    date: started.toISOString(),
    durationS: (Date.now() - started.getTime()) / 1000,
    settings,
    machine: { ...describeMachine(backend), ...own.machine, load: load.stop() },
  };
}

// Interrupted: the server child goes too, it would otherwise keep its port and memory.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stopShared().finally(() => process.exit(130)));

for (const name of values['report-only'] ? [] : ORDER.filter((s) => only.includes(s))) {
  if (!['live', 'liveness', 'cameras', 'ipcameras', 'baseline'].includes(name)) await stopShared();
  const started = new Date();
  // The machine's speed before and after the suite (a fixed loop's CPU time): the load average does not show it.
  const speedBefore = machineReferenceMs();
  const speed = () => ({ referenceMs: { before: speedBefore, after: machineReferenceMs() } });
  const load = sampleLoad();
  log(`${name}: starting`);
  try {
    let file: Record<string, unknown> | null;
    if (IN_PROCESS[name]) {
      const output = await IN_PROCESS[name](ctx);
      const s = shared as Promise<BenchServer> | null;
      if (s) backend = (await s).backend;
      const f: ResultsFile = {
        suite: name,
        date: started.toISOString(),
        durationS: +((Date.now() - started.getTime()) / 1000).toFixed(1),
        machine: { ...describeMachine(backend), load: load.stop(), ...speed() },
        ...output,
      };
      file = f as unknown as Record<string, unknown>;
      if (output.skipped) log(`${name}: skipped: ${output.skipped}`);
    } else {
      file = await runScriptSuite(name, started, load);
      if (file) file.machine = { ...(file.machine as object), ...speed() };
    }
    if (file) fs.writeFileSync(path.join(outDir, `${name}.json`), `${JSON.stringify(file, null, 2)}\n`);
    log(`${name}: done in ${Math.round((Date.now() - started.getTime()) / 1000)} s`);
  } catch (err) {
    load.stop();
    process.exitCode = 1;
    log(`${name}: FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
}
await stopShared();

const results = Object.fromEntries(
  fs
    .readdirSync(outDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => [path.basename(f, '.json'), JSON.parse(fs.readFileSync(path.join(outDir, f), 'utf8'))]),
);
fs.writeFileSync(report, renderReport(results));
log(`wrote ${path.relative(process.cwd(), report)} from ${Object.keys(results).join(', ') || 'no results'} in ${path.relative(process.cwd(), outDir) || '.'}`);
