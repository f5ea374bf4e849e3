// A gallery index's changes, applied in order and a slice at a time. An add runs on the main thread (FAISS assigns
// each vector to its IVF list there): at 1M faces an import batch of 5,000 faces took about a second, and the changes
// held back while a save wrote the index ran all at once after it, which held every camera for seconds
// (bench/gallery-import.ts: a 3.3 s wait for an answer). Here a large add is cut into slices of INDEX_OP_SLICE_FACES,
// and whatever waits (the rest of a large add, everything held during a save) runs a slice at a time, each after the
// live frames in flight (live-work.ts). A small change with nothing waiting runs at once, as before: an enrolment is
// searchable on the next frame.
import { yieldToLive } from '../live-work.js';

/** Faces one index add covers: at 1M faces and 320 dimensions, a few milliseconds of main thread. */
export const INDEX_OP_SLICE_FACES = 256;

export class IndexOps {
  private readonly queue: (() => void)[] = [];
  private holds = 0;
  private draining = false;
  /** Called, in order, once nothing waits: each is granted a hold (see holdWhenIdle). */
  private readonly holdWaiters: (() => void)[] = [];
  private readonly idleWaiters: (() => void)[] = [];

  /** `onError`: an op that threw; the ops after it still run. */
  constructor(private readonly onError: (err: unknown) => void) {}

  /** Ops waiting to run. */
  get pending(): number {
    return this.queue.length;
  }

  /**
   * Runs `ops` in this order, after every op already waiting: the first at once when nothing waits or holds them, the
   * rest between turns given to live frames.
   */
  run(ops: readonly (() => void)[]): void {
    if (ops.length === 0) return;
    let rest = ops;
    if (this.queue.length === 0 && this.holds === 0 && !this.draining) {
      this.call(ops[0]!);
      rest = ops.slice(1);
    }
    if (rest.length === 0) return;
    this.queue.push(...rest);
    this.drain();
  }

  /**
   * Calls `granted` synchronously once no op waits, with the ops held from then until release(): the index then
   * matches what its table said when `granted` ran (the index saver takes its snapshot there).
   */
  holdWhenIdle(granted: () => void): void {
    if (this.queue.length === 0 && this.holds === 0 && !this.draining) {
      this.holds += 1;
      granted();
      return;
    }
    this.holdWaiters.push(() => {
      this.holds += 1;
      granted();
    });
    this.drain();
  }

  /** Ends a hold: what waited runs, a slice at a time. */
  release(): void {
    this.holds = Math.max(0, this.holds - 1);
    this.drain();
  }

  /** Resolves once no op waits and nothing holds them (tests; a caller that searches right after a large add). */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.holds === 0 && !this.draining && this.holdWaiters.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private call(op: () => void): void {
    try {
      op();
    } catch (err) {
      this.onError(err);
    }
  }

  private drain(): void {
    if (this.draining || this.holds > 0) return;
    this.draining = true;
    void (async () => {
      try {
        for (;;) {
          if (this.holds > 0) return;
          if (this.queue.length === 0) {
            const waiter = this.holdWaiters.shift();
            if (waiter) {
              waiter();
              return;
            }
            for (const w of this.idleWaiters.splice(0)) w();
            return;
          }
          await yieldToLive();
          if (this.holds > 0) return;
          const op = this.queue.shift();
          if (op) this.call(op);
        }
      } finally {
        this.draining = false;
      }
    })();
  }
}
