// A FaceAnalyzer whose models run in a worker thread, so inference never blocks the server's event loop
// (WebSockets, HTTP, database). Same interface as the in-process analyzer; frames live in the worker until released.
// A worker that dies is replaced: calls in flight fail (their frames are lost), later calls go to the new thread.
// Every call has a deadline (INFERENCE_DEADLINE_MS): one that hangs is failed, and its thread is ended and replaced,
// so a stuck inference costs the frames in flight on that thread (an `internal` error each; their sessions go on), not
// every camera behind it for ever. Cameras on other threads never notice.
import { Worker } from 'node:worker_threads';
import type { AnalyzeResult, ModelAnalyzer } from '../analyzer.js';
import type { SpoofScore } from '../minifasnet.js';
import { resolveModel } from '../models.js';
import type { AnalyzeReply, EmbedAllReply, Embeddings, WorkerInit, WorkerReady, WorkerReply, WorkerRequest } from './messages.js';

export interface WorkerAnalyzer extends ModelAnalyzer {
  /** Threads started so far (1 + restarts). */
  readonly starts: number;
  /** Ends the current thread as a crash would; a new one takes over (operations: recycle a thread; tests). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

type Waiter = { resolve: (v: unknown) => void; reject: (e: Error) => void };

/**
 * The thread's module: compiled JavaScript when this file is (`npm start` runs dist/, scripts/build-server.mjs), else
 * entry.mjs, which registers tsx inside the thread before it imports the TypeScript.
 */
const WORKER_MODULE = new URL(import.meta.url.endsWith('.js') ? './inference-worker.js' : './entry.mjs', import.meta.url);

/** Starts one worker thread and resolves when its models are loaded. */
function spawn(init: WorkerInit): Promise<{ worker: Worker; ready: WorkerReady }> {
  const worker = new Worker(WORKER_MODULE, { workerData: init });
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(new Error(`inference worker failed to start: ${err.message}`));
    worker.once('error', onError);
    worker.once('message', (ready: WorkerReady) => {
      worker.off('error', onError);
      resolve({ worker, ready });
    });
  });
}

export interface WorkerOptions {
  /** Longest one call may take before it fails and the thread is restarted, ms (default 30 s). */
  deadlineMs?: number;
}

export async function createWorkerAnalyzer(init: WorkerInit, log: (msg: string) => void = () => {}, opts: WorkerOptions = {}): Promise<WorkerAnalyzer> {
  const deadlineMs = opts.deadlineMs ?? 30_000;
  const { manifest } = resolveModel(init.modelId); // an unknown model id fails here, before a thread is started
  const pending = new Map<number, Waiter>();
  let nextId = 1;
  let tensors = 0;
  let starts = 0;
  let closing = false;
  let current: Promise<Worker>;

  const attach = (worker: Worker) => {
    worker.on('message', (reply: WorkerReply) => {
      const waiter = pending.get(reply.id);
      if (!waiter) return;
      pending.delete(reply.id);
      if (reply.ok) {
        tensors = reply.tensors;
        waiter.resolve(reply.value);
      } else waiter.reject(new Error(reply.error));
    });
    worker.on('error', (err) => log(`inference worker crashed: ${err.message}`));
    worker.once('exit', (code) => {
      for (const w of pending.values()) w.reject(new Error(`inference worker exited (code ${code})`));
      pending.clear();
      if (closing) return;
      log(`inference worker exited (code ${code}); starting a new one`);
      current = start();
    });
    return worker;
  };
  const start = () => {
    starts += 1;
    return spawn(init).then(({ worker }) => attach(worker));
  };

  const first = await spawn(init);
  starts = 1;
  current = Promise.resolve(attach(first.worker));
  const { ready } = first;

  async function call<T>(req: WorkerRequest): Promise<T> {
    const worker = await current;
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (!pending.delete(id)) return;
        reject(new Error(`inference ${req.op} took longer than ${deadlineMs} ms (INFERENCE_DEADLINE_MS): its worker thread is restarted`));
        log(`inference ${req.op} passed its deadline of ${deadlineMs} ms; restarting its worker thread`);
        // The exit handler fails the other calls in flight on this thread and starts a new one.
        void worker.terminate();
      }, deadlineMs);
      timer.unref();
      const done =
        <V>(settle: (v: V) => void) =>
        (v: V) => {
          clearTimeout(timer);
          settle(v);
        };
      pending.set(id, { resolve: done(resolve as (v: unknown) => void), reject: done(reject) });
      worker.postMessage({ id, req });
    });
  }

  return {
    backend: `${ready.backend} (worker thread)`,
    tfVersion: ready.tfVersion,
    modelId: ready.modelId,
    dims: ready.dims,
    models: ready.models,
    threshold: ready.threshold,
    manifest,
    get starts() {
      return starts;
    },
    async analyze(bytes, maxPixels, opts): Promise<AnalyzeResult> {
      const reply = await call<AnalyzeReply>({ op: 'analyze', bytes, maxPixels, ...(opts ? { opts } : {}) });
      if (!reply.ok) return reply;
      const { frameId, ...frame } = reply.frame;
      let released = false;
      return {
        ok: true,
        frame: {
          ...frame,
          embed: (indices, o) =>
            released ? Promise.reject(new Error('frame already released')) : call<Embeddings>({ op: 'embed', frameId, indices, wideChips: o?.wideChips }),
          spoof: (indices) => (released ? Promise.reject(new Error('frame already released')) : call<SpoofScore[]>({ op: 'spoof', frameId, indices })),
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
    async restart() {
      const old = await current;
      await old.terminate();
      await current; // the exit handler has started the replacement
    },
    async close() {
      closing = true;
      await (await current).terminate();
    },
  };
}
