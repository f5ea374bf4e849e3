// The embedded database (PGlite) runs its queries in this thread, and a chain of awaited queries never lets the event
// loop in: long writes (a gallery import batch) give it a turn now and then, so live frames are served in between.

/** Resolves after the event loop has served what was waiting (sockets, timers). */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * For a long run of statements: each call yields to the event loop when `sliceMs` or more passed since the last time
 * it did, so the run is cut into slices of about that length whatever each statement costs.
 */
export function pacer(sliceMs: number): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < sliceMs) return;
    await yieldToEventLoop();
    since = performance.now();
  };
}
