// The process's last lines of defence: a promise rejection nobody handled is logged with its stack (and the process
// goes on: one stray promise, such as a database driver's, must not drop every camera), an uncaught exception is
// logged and exits (the state is unknown), and shutdown has a deadline, so a close that hangs (a socket that never
// drains, a database that does not answer) cannot keep a stopping server alive for ever.
import type { Logger } from './log.js';

const describe = (err: unknown) => (err instanceof Error ? (err.stack ?? err.message) : String(err));

/** Logs unhandled rejections and uncaught exceptions of `proc` (the process). */
export function installProcessGuards(log: Logger, proc: NodeJS.Process = process): void {
  proc.on('unhandledRejection', (reason) => log.error('unhandled promise rejection', { error: describe(reason) }));
  proc.on('uncaughtException', (err) => {
    log.error('uncaught exception: exiting', { error: describe(err) });
    proc.exit(1);
  });
}

/**
 * Runs `close` on the first SIGINT or SIGTERM and exits 0 when it ends, or 1 when it fails or is still running after
 * `deadlineMs`. A second signal exits at once.
 */
export function shutdownOnSignals(close: () => Promise<void>, deadlineMs: number, log: Logger, proc: NodeJS.Process = process): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      log.warn(`${signal} again: exiting without waiting for shutdown`);
      proc.exit(1);
      return;
    }
    stopping = true;
    log.info(`${signal}: shutting down`, { deadlineMs });
    const timer = setTimeout(() => {
      log.error(`shutdown did not finish within ${deadlineMs} ms (SHUTDOWN_TIMEOUT_MS): exiting anyway`);
      proc.exit(1);
    }, deadlineMs);
    timer.unref();
    close().then(
      () => proc.exit(0),
      (err: unknown) => {
        log.error('shutdown failed', { error: describe(err) });
        proc.exit(1);
      },
    );
  };
  proc.on('SIGINT', () => stop('SIGINT'));
  proc.on('SIGTERM', () => stop('SIGTERM'));
}
