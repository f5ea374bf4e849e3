// One inference at a time, by priority: live frames first, then interactive REST calls, then bulk work,
// which yields to the event loop before every step so frames that just arrived get in ahead of it.
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { FaceAnalyzer } from './analyzer.js';

export type Priority = 'live' | 'interactive' | 'bulk';
const ORDER: Priority[] = ['live', 'interactive', 'bulk'];

type EmbedAllResult = Awaited<ReturnType<FaceAnalyzer['embedAll']>>;

export interface AnalyzerScheduler {
  /** The analyzer for live sessions: analyze and embed run at live priority. */
  readonly live: FaceAnalyzer;
  /** Detect and embed every face of a still image at the given priority (two steps, so live frames can run between). */
  embedAll(bytes: Uint8Array, maxPixels: number, priority: Priority): Promise<EmbedAllResult>;
  /** Runs `fn` holding the inference slot. */
  run<T>(priority: Priority, fn: () => Promise<T>): Promise<T>;
  /** Steps waiting per priority, and whether one is running. */
  stats(): { waiting: Record<Priority, number>; busy: boolean };
}

/** One inference slot: steps run one at a time, by priority. */
function createSlot() {
  const queues: Record<Priority, (() => void)[]> = { live: [], interactive: [], bulk: [] };
  let busy = false;

  const acquire = (p: Priority): Promise<void> => {
    if (!busy) {
      busy = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => queues[p].push(resolve));
  };
  const grant = () => {
    for (const p of ORDER) {
      const next = queues[p].shift();
      if (next) return next(); // the slot passes straight on: busy stays true
    }
    busy = false;
  };
  const release = (finished: Priority) => {
    // After a live or interactive step, bulk work waits one turn of the event loop: the caller's next step
    // (a frame's embed after its detect) queues ahead of it instead of waiting behind a whole bulk step.
    if (finished !== 'bulk' && queues.bulk.length > 0 && queues.live.length === 0 && queues.interactive.length === 0) {
      setImmediate(grant);
      return;
    }
    grant();
  };

  return {
    async run<T>(p: Priority, fn: () => Promise<T>): Promise<T> {
      if (p === 'bulk') await yieldToLoop();
      await acquire(p);
      try {
        return await fn();
      } finally {
        release(p);
      }
    },
    waiting: (p: Priority) => queues[p].length,
    busy: () => busy,
  };
}

/**
 * `bulkAnalyzer`, when given (a second inference worker), takes all bulk work in its own slot, so imports run beside
 * live frames on the other core instead of between them.
 */
export function createScheduler(analyzer: FaceAnalyzer, bulkAnalyzer?: FaceAnalyzer): AnalyzerScheduler {
  const main = createSlot();
  const bulkSlot = bulkAnalyzer ? createSlot() : main;
  const slotFor = (p: Priority) => (p === 'bulk' ? bulkSlot : main);
  const analyzerFor = (p: Priority) => (p === 'bulk' && bulkAnalyzer ? bulkAnalyzer : analyzer);
  const run = <T>(p: Priority, fn: () => Promise<T>): Promise<T> => slotFor(p).run(p, fn);

  const live: FaceAnalyzer = {
    backend: analyzer.backend,
    tfVersion: analyzer.tfVersion,
    modelId: analyzer.modelId,
    dims: analyzer.dims,
    models: analyzer.models,
    tensorCount: () => analyzer.tensorCount(),
    embedAll: (bytes, maxPixels) => embedAll(bytes, maxPixels, 'live'),
    async analyze(bytes, maxPixels, opts) {
      const result = await run('live', () => analyzer.analyze(bytes, maxPixels, opts));
      if (!result.ok) return result;
      const frame = result.frame;
      return { ok: true, frame: { ...frame, embed: (indices) => run('live', () => frame.embed(indices)) } };
    },
  };

  async function embedAll(bytes: Uint8Array, maxPixels: number, p: Priority): Promise<EmbedAllResult> {
    const a = analyzerFor(p);
    const result = await run(p, () => a.analyze(bytes, maxPixels, { padRetry: true }));
    if (!result.ok) return result;
    const { frame } = result;
    try {
      const all = frame.faces.map((_, i) => i);
      const embeddings = all.length > 0 ? await run(p, () => frame.embed(all)) : [];
      return { ok: true, width: frame.width, height: frame.height, faces: frame.faces.map((f, i) => ({ ...f, ...embeddings[i]! })) };
    } finally {
      frame.release();
    }
  }

  return {
    live,
    embedAll,
    run,
    stats: () => ({
      waiting: { live: main.waiting('live'), interactive: main.waiting('interactive'), bulk: bulkSlot.waiting('bulk') },
      busy: main.busy() || bulkSlot.busy(),
    }),
  };
}
