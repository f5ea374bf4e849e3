// Live work comes first on the main thread. A camera's frame, from its arrival to its overlay, hops through the event
// loop several times (the socket, the inference thread's answer, the tracker and gallery, the send); background work
// that runs on this thread (a gallery import's statements on the embedded database, a file's lines parsed) queued at
// each hop adds its slice to the frame's round trip. Background loops call `yieldToLive()` between slices: it gives
// the event loop a turn and, while frames are in flight, waits for them to be answered, for at most a bounded time so
// that background work keeps a share of the thread when cameras never pause (issue 19, "a gallery import never
// stalls the cameras").

/** The longest one yield waits for in-flight frames, ms: background work then runs one slice whatever the cameras do. */
export const LIVE_YIELD_MAX_WAIT_MS = 30;

let inFlight = 0;
const waiters = new Set<() => void>();
/** When a frame was last taken up (performance.now()). */
let lastLiveAt = -Infinity;

/** A session started working on a frame; call the returned function once when it has answered (or failed). */
export function beginLiveWork(): () => void {
  inFlight += 1;
  lastLiveAt = performance.now();
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    inFlight -= 1;
    if (inFlight === 0) for (const w of [...waiters]) w();
  };
}

/** Frames in flight now (tests, metrics). */
export const liveWorkInFlight = (): number => inFlight;

/** Resolves after the event loop has served what was waiting (sockets, timers). */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Gives the event loop a turn, then waits until no frame is in flight or `maxWaitMs` passed, whichever is first.
 * Resolves at once (after the turn) when no camera is working.
 */
export async function yieldToLive(maxWaitMs = LIVE_YIELD_MAX_WAIT_MS): Promise<void> {
  await yieldToEventLoop();
  if (inFlight === 0 || maxWaitMs <= 0) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      waiters.delete(done);
      resolve();
    };
    const timer = setTimeout(done, maxWaitMs);
    waiters.add(done);
  });
}

/**
 * For a long run of background steps: each call yields to live work (above) when `sliceMs` or more passed since the
 * last time it did, so the run is cut into slices of about that length whatever each step costs.
 */
export function pacer(sliceMs: number): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < sliceMs) return;
    await yieldToLive();
    since = performance.now();
  };
}

/** Whether a camera's frame was taken up within the last `withinMs` (a camera streams). */
export const camerasStreaming = (withinMs = 2000): boolean => performance.now() - lastLiveAt < withinMs;

/**
 * While cameras stream, bulk work (an import job, an export) rests this many times as long as each step took, so it
 * works a third of the time. A step's cost runs on more than this thread (the database's own process, gzip on the
 * thread pool), and on two cores the rest is what the cameras' frames need. With a rest as long as the step (half the
 * machine) the camera's p95 over a 1M-face import read 1.29-1.61x idle in three runs, and over the export 1.46x and
 * 1.58x, against the 1.5x target (bench/gallery-import.ts, bench/export.ts).
 */
export const BULK_REST_FACTOR = 2;
/** The longest one rest lasts, ms: a slow step (a stalled database) does not park the work for long after it. */
export const BULK_REST_MAX_MS = 500;

/** After a bulk step that took `stepMs`: rests BULK_REST_FACTOR times as long, at most `maxMs`, while cameras stream. */
export async function restWhileStreaming(stepMs: number, maxMs = BULK_REST_MAX_MS, streamingWithinMs = 2000): Promise<void> {
  if (!camerasStreaming(streamingWithinMs)) return;
  await new Promise((resolve) => setTimeout(resolve, Math.min(maxMs, Math.max(1, BULK_REST_FACTOR * stepMs))));
}
