// Inference slots, one per analyzer (worker thread), each running one step at a time by priority: live frames first,
// shared fairly between sessions (round-robin), then interactive REST calls, then bulk work, which yields to the event
// loop before every step so frames that just arrived get in ahead of it. The REST and import queues are bounded
// (INFERENCE_QUEUE_REST, INFERENCE_QUEUE_IMPORT): a call that finds its queue full is refused at once with
// InferenceBusyError (REST answers 503 busy with Retry-After) instead of waiting, holding its upload in memory. Live
// frames need no limit here: a session holds at most one frame waiting (newest wins, gateway/session.ts).
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { FaceAnalyzer } from './analyzer.js';

export type Priority = 'live' | 'interactive' | 'bulk';

type EmbedAllResult = Awaited<ReturnType<FaceAnalyzer['embedAll']>>;

/** Most steps that may wait per queue; a step past it is refused. Live has none (see the top of this file). */
export interface QueueLimits {
  interactive: number;
  bulk: number;
}

const QUEUE_NAMES = { interactive: 'REST (INFERENCE_QUEUE_REST)', bulk: 'import (INFERENCE_QUEUE_IMPORT)' } as const;

/** A REST or import step refused because its queue already holds its limit of waiting steps. */
export class InferenceBusyError extends Error {
  /** Seconds after which trying again is sensible: about the time the queue ahead takes to drain. */
  readonly retryAfterS: number;
  constructor(
    readonly priority: 'interactive' | 'bulk',
    readonly limit: number,
  ) {
    super(`the inference queue for ${QUEUE_NAMES[priority]} is full (${limit} waiting): try again shortly`);
    this.retryAfterS = Math.max(1, Math.ceil(limit / 4));
  }
}

/**
 * One live session's way into the slots. Each frame goes to the least loaded slot when it arrives, and that frame's
 * later steps (embed, spoof) stay there, where its tensors live.
 */
export interface LiveLane {
  readonly analyzer: FaceAnalyzer;
  /** The session ended: it no longer counts on the slot its last frame ran on. */
  release(): void;
}

export interface AnalyzerScheduler {
  /** A live analyzer outside any session (warm-up, tests); sessions use `lane()`. */
  readonly live: FaceAnalyzer;
  /** A live session's lane: each frame to the least loaded slot, served round-robin with the other sessions there. */
  lane(sessionId: string): LiveLane;
  /** Detect and embed every face of a still image at the given priority (two steps, so live frames can run between). */
  embedAll(bytes: Uint8Array, maxPixels: number, priority: Priority): Promise<EmbedAllResult>;
  /** Runs `fn` holding an inference slot; InferenceBusyError when its queue is full. */
  run<T>(priority: Priority, fn: () => Promise<T>): Promise<T>;
  /** Steps waiting per priority, whether a step is running, and live sessions per slot (where each one's last frame ran). */
  stats(): { waiting: Record<Priority, number>; busy: boolean; sessionsPerSlot: number[] };
  /** Steps finished per slot, by priority: shows where work really ran (bulk on the last slot). */
  steps(): Record<Priority, number>[];
  /**
   * One more inference thread, loaded after the server became ready (server.ts starts the second thread then, so the
   * first one loads without sharing a core with it). Live frames use it from their next step; bulk work moves to it.
   */
  addAnalyzer(analyzer: FaceAnalyzer): void;
}

/** One inference slot: steps run one at a time; live steps round-robin across sessions, then interactive, then bulk. */
export function createSlot(limits: QueueLimits = { interactive: Infinity, bulk: Infinity }) {
  const live = new Map<string, (() => void)[]>();
  /** Sessions with live steps waiting, in the order they are served next. */
  const ring: string[] = [];
  const interactive: (() => void)[] = [];
  const bulk: (() => void)[] = [];
  let busy = false;
  let sessions = 0;
  const ran: Record<Priority, number> = { live: 0, interactive: 0, bulk: 0 };

  const enqueue = (p: Priority, key: string, resolve: () => void) => {
    if (p === 'interactive') return void interactive.push(resolve);
    if (p === 'bulk') return void bulk.push(resolve);
    const q = live.get(key);
    if (q) return void q.push(resolve);
    live.set(key, [resolve]);
    ring.push(key);
  };
  const nextLive = (): (() => void) | undefined => {
    const key = ring.shift();
    if (key === undefined) return undefined;
    const q = live.get(key)!;
    const next = q.shift();
    if (q.length > 0)
      ring.push(key); // served once: to the back of the ring
    else live.delete(key);
    return next;
  };
  const waitingLive = () => ring.reduce((n, k) => n + live.get(k)!.length, 0);
  const grant = () => {
    const next = nextLive() ?? interactive.shift() ?? bulk.shift();
    if (next) return next(); // the slot passes straight on: busy stays true
    busy = false;
  };
  const release = (finished: Priority) => {
    // After a live or interactive step, bulk work waits one turn of the event loop: the caller's next step
    // (a frame's embed after its detect) queues ahead of it instead of waiting behind a whole bulk step.
    if (finished !== 'bulk' && bulk.length > 0 && ring.length === 0 && interactive.length === 0) {
      setImmediate(grant);
      return;
    }
    grant();
  };

  return {
    /** `admitted`: the next step of a call already let in (embed after detect), never refused. */
    async run<T>(p: Priority, fn: () => Promise<T>, key = '', admitted = false): Promise<T> {
      if (p === 'bulk') await yieldToLoop();
      if (busy && p !== 'live' && !admitted && (p === 'interactive' ? interactive.length : bulk.length) >= limits[p]) {
        throw new InferenceBusyError(p, limits[p]);
      }
      if (busy) await new Promise<void>((resolve) => enqueue(p, key, resolve));
      else busy = true;
      try {
        return await fn();
      } finally {
        ran[p] += 1;
        release(p);
      }
    },
    waiting: (p: Priority) => (p === 'live' ? waitingLive() : p === 'interactive' ? interactive.length : bulk.length),
    /**
     * Steps a live frame arriving now would wait behind: the running one, waiting live and interactive steps. Waiting
     * bulk steps do not count: they yield to live ones.
     */
    load: () => (busy ? 1 : 0) + waitingLive() + interactive.length,
    busy: () => busy,
    ran: () => ({ ...ran }),
    get sessions() {
      return sessions;
    },
    addSession: () => void (sessions += 1),
    removeSession: () => void (sessions -= 1),
  };
}

/** Wraps an analyzer so that its analyze and embed steps run in `slot` under `key`. */
function liveAnalyzer(analyzer: FaceAnalyzer, run: <T>(fn: () => Promise<T>) => Promise<T>, embedAll: FaceAnalyzer['embedAll']): FaceAnalyzer {
  return {
    backend: analyzer.backend,
    tfVersion: analyzer.tfVersion,
    modelId: analyzer.modelId,
    dims: analyzer.dims,
    models: analyzer.models,
    tensorCount: () => analyzer.tensorCount(),
    embedAll,
    async analyze(bytes, maxPixels, opts) {
      const result = await run(() => analyzer.analyze(bytes, maxPixels, opts));
      if (!result.ok) return result;
      const frame = result.frame;
      return { ok: true, frame: { ...frame, embed: (indices, o) => run(() => frame.embed(indices, o)), spoof: (indices) => run(() => frame.spoof(indices)) } };
    },
  };
}

/**
 * `analyzers` are the inference threads (or the one in-process analyzer). Live frames are spread over all of them, each
 * frame to the slot that is least loaded when it arrives (issue 20: pinning a session to a slot when it connected left
 * one thread idle after reconnects, while the other's cameras queued behind each other's embeddings). Interactive calls
 * run on the first slot; bulk work on the last, where it yields to that slot's live frames.
 */
export function createScheduler(analyzers: FaceAnalyzer[], limits?: QueueLimits): AnalyzerScheduler {
  if (analyzers.length === 0) throw new Error('createScheduler needs at least one analyzer');
  const pool = [...analyzers];
  const slots = pool.map(() => createSlot(limits));
  const first = 0;
  const slotOf = (p: Priority) => (p === 'bulk' ? pool.length - 1 : first);
  const run = <T>(p: Priority, fn: () => Promise<T>, admitted = false): Promise<T> => slots[slotOf(p)]!.run(p, fn, '', admitted);

  async function embedAll(bytes: Uint8Array, maxPixels: number, p: Priority): Promise<EmbedAllResult> {
    // Both steps in one slot, chosen once: a thread added between them must not take the second.
    const i = slotOf(p);
    const a = pool[i]!;
    const result = await slots[i]!.run(p, () => a.analyze(bytes, maxPixels, { padRetry: true, wideChips: true }));
    if (!result.ok) return result;
    const { frame } = result;
    try {
      const all = frame.faces.map((_, i) => i);
      const embeddings = all.length > 0 ? await slots[i]!.run(p, () => frame.embed(all), '', true) : [];
      return { ok: true, width: frame.width, height: frame.height, faces: frame.faces.map((f, i) => ({ ...f, ...embeddings[i]! })) };
    } finally {
      frame.release();
    }
  }

  /**
   * The slot for a session's next frame: the least loaded; on a tie the one its last frame ran on, so sessions stay put
   * while nothing queues; for a session's first frame, the slot fewer sessions last used.
   */
  const pick = (previous: number | null): number => {
    let best = previous ?? 0;
    for (let j = 0; j < slots.length; j++) {
      const [lj, lb] = [slots[j]!.load(), slots[best]!.load()];
      if (lj < lb || (lj === lb && previous === null && slots[j]!.sessions < slots[best]!.sessions)) best = j;
    }
    return best;
  };

  const lane = (sessionId: string): LiveLane => {
    let current: number | null = null;
    let released = false;
    /** Moves the session's count to the slot its latest frame runs on. */
    const settle = (i: number) => {
      if (released || current === i) return;
      if (current !== null) slots[current]!.removeSession();
      slots[i]!.addSession();
      current = i;
    };
    // One wrapper per slot, made once each: a frame's steps all run in the slot its analyze() was given.
    const wrappers: FaceAnalyzer[] = [];
    const inSlot = (i: number): FaceAnalyzer =>
      (wrappers[i] ??= liveAnalyzer(
        pool[i]!,
        (fn) => slots[i]!.run('live', fn, sessionId),
        (b, m) => embedAll(b, m, 'live'),
      ));
    const analyzer: FaceAnalyzer = {
      ...inSlot(first),
      analyze(bytes, maxPixels, opts) {
        const i = pick(current);
        settle(i);
        return inSlot(i).analyze(bytes, maxPixels, opts);
      },
    };
    return {
      analyzer,
      release() {
        if (!released && current !== null) slots[current]!.removeSession();
        released = true;
      },
    };
  };

  const sum = (p: Priority) => slots.reduce((n, s) => n + s.waiting(p), 0);
  return {
    live: liveAnalyzer(
      analyzers[first]!,
      (fn) => slots[first]!.run('live', fn, ''),
      (b, m) => embedAll(b, m, 'live'),
    ),
    lane,
    embedAll,
    run,
    stats: () => ({
      waiting: { live: sum('live'), interactive: sum('interactive'), bulk: sum('bulk') },
      busy: slots.some((s) => s.busy()),
      sessionsPerSlot: slots.map((s) => s.sessions),
    }),
    steps: () => slots.map((s) => s.ran()),
    addAnalyzer(analyzer) {
      pool.push(analyzer);
      slots.push(createSlot(limits));
    },
  };
}
