// The embedded database (PGlite) runs its queries in this thread, and a chain of awaited queries never lets the event
// loop in: long writes (a gallery import batch) give it a turn now and then, so live frames are served in between.

/** Resolves after the event loop has served what was waiting (sockets, timers). */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
