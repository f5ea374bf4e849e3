// What every suite gets (quick mode, the shared server, the command-line paths) and what it returns for its results file.
import { describeMachine, type LoadSummary, type Machine } from './machine.js';
import { ENROLLED } from './people.js';
import { enrolFromPhotos } from './rest.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

export interface BenchServer extends ServerProcess {
  backend: string;
  /** Photos the enrolment gates accepted, per person. */
  enrolled: Record<string, number>;
}

export interface SuiteContext {
  quick: boolean;
  /** `--faces DIR` for the import suite. */
  facesDir?: string;
  /** The one server the live, cameras and baseline suites share: started (default settings) and enrolled on first use. */
  server(): Promise<BenchServer>;
  log(msg: string): void;
}

export interface SuiteOutput {
  settings: Record<string, unknown>;
  results: Record<string, unknown>;
  targets?: Record<string, unknown>;
  /** A suite that could not run says why here (e.g. no `--faces`); its results are then empty. */
  skipped?: string;
}

export interface ResultsFile extends SuiteOutput {
  suite: string;
  date: string;
  durationS: number;
  machine: Machine & { load?: LoadSummary };
}

export async function startBenchServer(extra: Record<string, string> = {}, nodeArgs: string[] = []): Promise<BenchServer> {
  const server = await startServerProcess(extra, undefined, nodeArgs);
  try {
    // Ready means the first inference thread; the others join after it (compose/inference.ts). Suites measure the
    // whole server, so they start once every thread has joined.
    type Health = { inference?: { backend?: string; stepsPerWorker?: unknown[] } };
    const health = async () => (await (await fetch(`${server.url}/health`)).json()) as Health;
    for (const t0 = Date.now(); ((await health()).inference?.stepsPerWorker?.length ?? 0) < server.config.INFERENCE_WORKERS;) {
      if (Date.now() - t0 > 120_000) throw new Error(`not every inference thread joined within 120 s (INFERENCE_WORKERS ${server.config.INFERENCE_WORKERS})`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const { inference } = await health();
    const enrolled: Record<string, number> = {};
    for (const p of ENROLLED) enrolled[p.name] = await enrolFromPhotos(server.url, p.name, p.photos);
    return Object.assign(server, { backend: inference?.backend ?? 'unknown', enrolled });
  } catch (err) {
    await server.stop();
    throw err;
  }
}

/** The settings a results file records: what was changed from the defaults, and the defaults that shape the figures. */
export function serverSettings(s: ServerProcess): Record<string, unknown> {
  const c = s.config;
  const { DATA_DIR: _dir, ...overrides } = s.overrides;
  return {
    server: 'dist/server/main.js (compiled from src/) in its own process, as npm start runs it',
    overrides: { ...overrides, DATA_DIR: '(a fresh temporary directory: embedded PGlite)' },
    INFERENCE_WORKERS: c.INFERENCE_WORKERS,
    MAX_FRAMES_IN_FLIGHT: c.MAX_FRAMES_IN_FLIGHT,
    TF_BACKEND: c.TF_BACKEND,
    EMBEDDING_MODEL: c.EMBEDDING_MODEL,
    MATCH_THRESHOLD: c.MATCH_THRESHOLD,
    MAX_FACES: c.MAX_FACES,
    REEMBED_EVERY: c.REEMBED_EVERY,
    VOTE_WINDOW: c.VOTE_WINDOW,
  };
}

export const machineOf = (backend: string): Machine => describeMachine(backend);
