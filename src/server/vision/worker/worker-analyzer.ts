// A FaceAnalyzer whose models run in a worker thread, so inference never blocks the server's event loop
// (WebSockets, HTTP, database). Same interface as the in-process analyzer; frames live in the worker until released.
import { Worker } from 'node:worker_threads';
import type { AnalyzeResult, ModelAnalyzer } from '../analyzer.js';
import { resolveModel } from '../models.js';
import type { AnalyzeReply, EmbedAllReply, Embeddings, WorkerInit, WorkerReady, WorkerReply, WorkerRequest } from './messages.js';

export interface WorkerAnalyzer extends ModelAnalyzer {
  close(): Promise<void>;
}

export async function createWorkerAnalyzer(init: WorkerInit): Promise<WorkerAnalyzer> {
  resolveModel(init.modelId); // an unknown model id fails here, before a thread is started
  const worker = new Worker(new URL('./entry.mjs', import.meta.url), { workerData: init });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let tensors = 0;
  let failure: Error | null = null;

  const ready = await new Promise<WorkerReady>((resolve, reject) => {
    const onError = (err: Error) => reject(new Error(`inference worker failed to start: ${err.message}`));
    worker.once('error', onError);
    worker.once('message', (m: WorkerReady) => {
      worker.off('error', onError);
      resolve(m);
    });
  });

  worker.on('message', (reply: WorkerReply) => {
    const waiter = pending.get(reply.id);
    if (!waiter) return;
    pending.delete(reply.id);
    if (reply.ok) {
      tensors = reply.tensors;
      waiter.resolve(reply.value);
    } else waiter.reject(new Error(reply.error));
  });
  // A dead worker fails every waiting and later call instead of leaving them hanging.
  const fail = (err: Error) => {
    failure = err;
    for (const w of pending.values()) w.reject(err);
    pending.clear();
  };
  worker.on('error', (err) => fail(new Error(`inference worker crashed: ${err.message}`)));
  worker.on('exit', (code) => fail(new Error(`inference worker exited (code ${code})`)));

  function call<T>(req: WorkerRequest): Promise<T> {
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ id, req });
    });
  }

  const { manifest } = resolveModel(init.modelId);

  return {
    backend: `${ready.backend} (worker thread)`,
    tfVersion: ready.tfVersion,
    modelId: ready.modelId,
    dims: ready.dims,
    models: ready.models,
    threshold: ready.threshold,
    manifest,
    async analyze(bytes, maxPixels, opts): Promise<AnalyzeResult> {
      const reply = await call<AnalyzeReply>({ op: 'analyze', bytes, maxPixels, ...(opts ? { opts } : {}) });
      if (!reply.ok) return reply;
      const { frameId, ...frame } = reply.frame;
      let released = false;
      return {
        ok: true,
        frame: {
          ...frame,
          embed: (indices) => (released ? Promise.reject(new Error('frame already released')) : call<Embeddings>({ op: 'embed', frameId, indices })),
          release: () => {
            if (released) return;
            released = true;
            call({ op: 'release', frameId }).catch(() => {}); // a dead worker has nothing left to release
          },
        },
      };
    },
    embedAll: (bytes, maxPixels) => call<EmbedAllReply>({ op: 'embedAll', bytes, maxPixels }),
    embedChips: (chips) => call<Float32Array[]>({ op: 'embedChips', chips }),
    tensorCount: () => tensors,
    async close() {
      await worker.terminate();
    },
  };
}
