// Step: the face models. Given models (tests) are reused as they are; otherwise INFERENCE_WORKERS threads each load
// their own, or, with 0 workers, one analyzer runs in the server thread. The start waits for the first thread only
// (loaded and warmed up); the others load once the server is ready (startRest), so on a two-core machine the first
// thread and the gallery load without sharing the cores with them (issue 20: ready in 5 s). A camera's frames use a
// thread from the moment it joins (vision/scheduler.ts addAnalyzer).
import fs from 'node:fs';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { createFaceAnalyzer, warmUp, type FaceAnalyzer } from '../vision/analyzer.js';
import { resolveModel } from '../vision/models.js';
import { createWorkerAnalyzer, type WorkerAnalyzer } from '../vision/worker/worker-analyzer.js';

/** Inference threads: how many the configuration asks for, and how many are ready, still loading, or failed to load. */
export interface InferenceThreads {
  /** INFERENCE_WORKERS (0: the models run in the server thread). */
  configured: number;
  ready: number;
  loading: number;
  failed: number;
}

export interface Inference {
  /** The analyzer REST calls and the model checks use (the first worker, when there are workers). */
  analyzer: FaceAnalyzer;
  /** The inference threads ready now; empty when the models run in the server thread. Grows as startRest's join. */
  workers: WorkerAnalyzer[];
  /**
   * Loads the threads beyond the first, one after another, each handed to `join` once warmed up. One that fails to
   * load is logged and left out: the server goes on with the threads it has.
   */
  startRest(join: (worker: WorkerAnalyzer) => void): void;
  /** Where the threads stand (/health): a server is ready with one, and the rest join after it. */
  threads(): InferenceThreads;
  close(): Promise<void>;
}

export interface InferenceOptions {
  config: Config;
  log: Logger;
  /** Already loaded models: used as they are, and not closed here (their owner closes them). */
  analyzer?: FaceAnalyzer;
  /** models/warmup.jpg: one photo every thread analyzes once before the first camera's frame. */
  warmUpPhoto: string;
}

export async function openInference({ config, log, analyzer: given, warmUpPhoto }: InferenceOptions): Promise<Inference> {
  if (given) {
    const threads = { configured: 0, ready: 0, loading: 0, failed: 0 };
    return { analyzer: given, workers: [], startRest: () => {}, threads: () => threads, close: async () => {} };
  }
  const t0 = performance.now();
  const sample = fs.readFileSync(warmUpPhoto);
  const workers: WorkerAnalyzer[] = config.INFERENCE_WORKERS > 0 ? [await openWorker(config, log)] : [];
  let closing = false;
  let rest: Promise<void> = Promise.resolve();
  /** Threads beyond the first count as loading from the start: they load once the server is ready (startRest). */
  let loading = Math.max(0, config.INFERENCE_WORKERS - workers.length);
  let failed = 0;
  const threads = (): InferenceThreads => ({ configured: config.INFERENCE_WORKERS, ready: workers.length, loading, failed });
  const close = async () => {
    closing = true;
    await rest; // a thread still loading joins (or is closed) first
    await Promise.all(workers.map((w) => w.close()));
  };
  try {
    const analyzer = workers[0] ?? (await createFaceAnalyzer(config, (m) => log.warn(m), { model: resolveModel(config.EMBEDDING_MODEL) }));
    const warm = await warmUp(analyzer, sample);
    log.info('models ready', {
      backend: analyzer.backend,
      tfjs: analyzer.tfVersion,
      models: analyzer.models,
      inferenceWorkers: workers.length,
      inferenceWorkersToLoad: Math.max(0, config.INFERENCE_WORKERS - workers.length),
      loadMs: Math.round(performance.now() - t0),
      warmUpMs: Math.round(warm),
    });
    const startRest = (join: (worker: WorkerAnalyzer) => void) => {
      const more = Math.max(0, config.INFERENCE_WORKERS - 1);
      for (let i = 0; i < more; i++) {
        rest = rest.then(async () => {
          const t = performance.now();
          try {
            if (closing) return;
            const worker = await openWorker(config, log);
            if (closing) return void (await worker.close());
            await warmUp(worker, sample);
            workers.push(worker);
            join(worker);
            log.info('inference thread joined', { threads: workers.length, loadMs: Math.round(performance.now() - t) });
          } catch (err) {
            failed += 1;
            log.error('an inference thread did not load: going on with fewer', {
              threads: workers.length,
              error: err instanceof Error ? err.message : String(err),
            });
          } finally {
            loading -= 1;
          }
        });
      }
    };
    return { analyzer, workers, startRest, threads, close };
  } catch (err) {
    await close();
    throw err;
  }
}

function openWorker(config: Config, log: Logger): Promise<WorkerAnalyzer> {
  const init = {
    TF_BACKEND: config.TF_BACKEND,
    DETECT_MIN_CONFIDENCE: config.DETECT_MIN_CONFIDENCE,
    LIVE_DETECT_FLOOR: config.LIVE_DETECT_FLOOR,
    MAX_FACES: config.MAX_FACES,
    LIVE_DETECTOR: config.LIVE_DETECTOR,
    EMBED_RUNTIME: config.EMBED_RUNTIME,
    modelId: config.EMBEDDING_MODEL,
  };
  return createWorkerAnalyzer(init, (m) => log.error(m), { deadlineMs: config.INFERENCE_DEADLINE_MS });
}
