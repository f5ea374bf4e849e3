// The composition root's stack: every part of the server is opened by a step that returns the part with its close(),
// and pushed as it opens. Shutdown and a failed start both pop the stack, so parts close in the reverse of the order
// they opened (a part closes before anything it was built on), and no list of parts is written twice.
import type { Logger } from '../log.js';

/** What a step opens: anything with a close(). */
export interface Part {
  close(): void | Promise<void>;
}

interface Step {
  name: string;
  close: () => void | Promise<void>;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export class Stack {
  private readonly steps: Step[] = [];
  private closing: Promise<void> | undefined;

  /** `deadlineMs` bounds the whole close (SHUTDOWN_TIMEOUT_MS): a step still closing past it is left behind, logged. */
  constructor(
    private readonly log: Logger,
    private readonly deadlineMs: number,
  ) {}

  /** Opens a part and pushes its close. A step that throws pushes nothing: it cleans up after itself. */
  async open<T extends Part>(name: string, open: () => T | Promise<T>): Promise<T> {
    if (this.closing) throw new Error(`cannot open ${name}: the server is closing`);
    const part = await open();
    this.steps.push({ name, close: () => part.close() });
    return part;
  }

  /**
   * Opens parts at the same time (they do not need each other) and pushes those that opened, in the order listed,
   * whichever finished first; when one fails, the others are still pushed (so they close) and the first failure is thrown.
   */
  async openTogether<T extends readonly Part[]>(steps: { [K in keyof T]: readonly [string, Promise<T[K]>] }): Promise<T> {
    const settled = await Promise.allSettled(steps.map(([, opening]) => opening));
    settled.forEach((s, i) => {
      if (s.status === 'fulfilled') this.steps.push({ name: steps[i]![0], close: () => s.value.close() });
    });
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.map((s) => (s as PromiseFulfilledResult<Part>).value) as unknown as T;
  }

  /** Closes the last part opened, which must be `name` (a part replaced while the server starts). */
  async closeTop(name: string): Promise<void> {
    const top = this.steps.at(-1);
    if (top?.name !== name) throw new Error(`the last part opened is ${top?.name ?? 'none'}, not ${name}`);
    this.steps.pop();
    await top.close();
  }

  /** Names of the parts open now, first opened first. */
  opened(): string[] {
    return this.steps.map((s) => s.name);
  }

  /**
   * Closes every part, last opened first. One that throws or is still closing at the deadline is logged and the rest
   * are closed all the same (the database still closes, its lock is still released); then close() rejects, naming them.
   * Called again, it returns the same promise.
   */
  close(): Promise<void> {
    this.closing ??= this.closeAll();
    return this.closing;
  }

  private async closeAll(): Promise<void> {
    const until = performance.now() + this.deadlineMs;
    const failures: string[] = [];
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      const t0 = performance.now();
      const outcome = await closeWithin(step, Math.max(0, until - t0));
      const ms = Math.round(performance.now() - t0);
      if (outcome === 'closed') {
        this.log.debug('closed', { part: step.name, ms });
      } else if (outcome === 'late') {
        failures.push(`${step.name}: still closing after the deadline`);
        this.log.error(`closing ${step.name} did not finish within the shutdown deadline (SHUTDOWN_TIMEOUT_MS, ${this.deadlineMs} ms); closing the rest`);
      } else {
        failures.push(`${step.name}: ${message(outcome.error)}`);
        this.log.error(`closing ${step.name} failed; closing the rest`, {
          error: outcome.error instanceof Error ? (outcome.error.stack ?? outcome.error.message) : String(outcome.error),
        });
      }
    }
    if (failures.length > 0) throw new Error(`shutdown: ${failures.join('; ')}`);
  }
}

/** Runs one step's close, for at most `ms`. */
async function closeWithin(step: Step, ms: number): Promise<'closed' | 'late' | { error: unknown }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
  });
  try {
    return await Promise.race([
      Promise.resolve()
        .then(step.close)
        .then(() => 'closed' as const),
      late,
    ]);
  } catch (error) {
    return { error };
  } finally {
    clearTimeout(timer);
  }
}
