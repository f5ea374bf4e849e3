// Step: the face models. Given models (tests) are reused as they are; otherwise INFERENCE_WORKERS threads each load
// their own, or, with 0 workers, one analyzer runs in the server thread. Every thread is warmed up before the start goes on.
import fs from 'node:fs';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { createFaceAnalyzer, warmUp, type FaceAnalyzer } from '../vision/analyzer.js';
import { resolveModel } from '../vision/models.js';
import { createWorkerAnalyzer, type WorkerAnalyzer } from '../vision/worker/worker-analyzer.js';

export interface Inference {
  /** The analyzer REST calls and the model checks use (the first worker, when there are workers). */
  analyzer: FaceAnalyzer;
  /** The inference threads; empty when the models run in the server thread. */
  workers: WorkerAnalyzer[];
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
  if (given) return { analyzer: given, workers: [], close: async () => {} };
  const t0 = performance.now();
  const workers = config.INFERENCE_WORKERS > 0 ? await openWorkers(config, log) : [];
  const close = () => Promise.all(workers.map((w) => w.close())).then(() => {});
  try {
    const analyzer = workers[0] ?? (await createFaceAnalyzer(config, (m) => log.warn(m), { model: resolveModel(config.EMBEDDING_MODEL) }));
    const sample = fs.readFileSync(warmUpPhoto);
    const warm = Math.max(...(await Promise.all((workers.length > 0 ? workers : [analyzer]).map((a) => warmUp(a, sample)))));
    log.info('models ready', {
      backend: analyzer.backend,
      tfjs: analyzer.tfVersion,
      models: analyzer.models,
      inferenceWorkers: workers.length,
      loadMs: Math.round(performance.now() - t0),
      warmUpMs: Math.round(warm),
    });
    return { analyzer, workers, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Starts the threads together; when one fails, those that started are closed before the failure is thrown. */
async function openWorkers(config: Config, log: Logger): Promise<WorkerAnalyzer[]> {
  const init = {
    TF_BACKEND: config.TF_BACKEND,
    DETECT_MIN_CONFIDENCE: config.DETECT_MIN_CONFIDENCE,
    MAX_FACES: config.MAX_FACES,
    LIVE_DETECTOR: config.LIVE_DETECTOR,
    EMBED_RUNTIME: config.EMBED_RUNTIME,
    modelId: config.EMBEDDING_MODEL,
  };
  const settled = await Promise.allSettled(
    Array.from({ length: config.INFERENCE_WORKERS }, () => createWorkerAnalyzer(init, (m) => log.error(m), { deadlineMs: config.INFERENCE_DEADLINE_MS })),
  );
  const workers = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all(workers.map((w) => w.close().catch(() => {})));
    throw failed.reason;
  }
  return workers;
}
