// Named places where a kill -9 test stops the process on purpose (TEST_CRASH_AT), to prove that a crash at a commit
// point leaves nothing half-written. A no-op unless that setting names the point.

export const CRASH_POINTS = ['enrol.in-transaction', 'enrol.after-commit', 'gallery-import.after-batch'] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];
export type CrashAt = (point: CrashPoint) => void;

export const noCrash: CrashAt = () => {};

/** SIGKILLs this process at `point`: no shutdown code, no finally blocks, exactly like a power cut or an OOM kill. */
export function crashAt(point: CrashPoint | undefined): CrashAt {
  if (!point) return noCrash;
  return (p) => {
    if (p === point) process.kill(process.pid, 'SIGKILL');
  };
}
