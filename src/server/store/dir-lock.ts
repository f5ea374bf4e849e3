// Exclusive lock on a data directory: PGlite does not lock its files, and two processes on one directory silently lose rows.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface DirLock {
  readonly path: string;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): void;
}

interface LockInfo {
  pid: number;
  hostname: string;
  startedAt: string;
}

// A half-written lock file (its owner is between open and write) is treated as held for this long.
const UNREADABLE_GRACE_MS = 5_000;

// Locks held by this process, removed by one shared exit listener. The listener is attached only while
// something is held, so tests that open and close many stores do not pile up listeners.
const held = new Map<string, LockInfo>();
const onExit = (): void => {
  for (const [file, info] of held) unlinkIfOurs(file, info);
};

export function acquireDirLock(dir: string, log: (msg: string) => void = () => {}): DirLock {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'LOCK');
  const info: LockInfo = { pid: process.pid, hostname: os.hostname(), startedAt: new Date().toISOString() };

  // Two attempts: the second only after removing a stale lock.
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = fs.openSync(file, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (attempt === 0 && takeOverIfStale(file, log)) continue;
      throw heldError(file, readLock(file));
    }
    try {
      fs.writeSync(fd, JSON.stringify(info) + '\n');
    } finally {
      fs.closeSync(fd);
    }
    if (held.size === 0) process.on('exit', onExit);
    held.set(file, info);
    return {
      path: file,
      release() {
        if (held.get(file) !== info) return;
        held.delete(file);
        if (held.size === 0) process.off('exit', onExit);
        unlinkIfOurs(file, info);
      },
    };
  }
  throw heldError(file, readLock(file));
}

function readLock(file: string): LockInfo | null {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockInfo>;
    if (typeof parsed.pid !== 'number' || typeof parsed.hostname !== 'string') return null;
    return { pid: parsed.pid, hostname: parsed.hostname, startedAt: String(parsed.startedAt ?? '') };
  } catch {
    return null;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM means the process exists but belongs to another user: still alive.
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Removes the lock when its owner is provably gone; returns whether it did. */
function takeOverIfStale(file: string, log: (msg: string) => void): boolean {
  const owner = readLock(file);
  if (!owner) {
    // Unreadable: either being written right now, or left corrupt by a crash long ago.
    let ageMs: number;
    try {
      ageMs = Date.now() - fs.statSync(file).mtimeMs;
    } catch {
      return true; // vanished meanwhile: just retry
    }
    if (ageMs < UNREADABLE_GRACE_MS) return false;
    log(`data directory lock ${file} is unreadable and ${Math.round(ageMs / 1000)}s old; taking it over`);
  } else {
    // A pid on another host cannot be checked from here (shared network directory): never assume it is dead.
    if (owner.hostname !== os.hostname() || pidAlive(owner.pid)) return false;
    log(`data directory lock ${file} was left by pid ${owner.pid} (started ${owner.startedAt}), which is no longer running; taking it over`);
  }
  // Small race: two processes taking over the same stale lock at once could both remove it. Both then
  // retry the exclusive create, and only one of them wins it; the other reports the directory as held.
  try {
    fs.unlinkSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return true;
}

function heldError(file: string, owner: LockInfo | null): Error {
  const dir = path.dirname(file);
  if (!owner) {
    return new Error(
      `Data directory ${dir} is locked (${file} exists but could not be read; another process may be starting on it). ` +
        `Wait and retry; if no server is using this directory, delete ${file}.`,
    );
  }
  const where = owner.hostname === os.hostname() ? `pid ${owner.pid}` : `pid ${owner.pid} on host ${owner.hostname}`;
  const self = owner.pid === process.pid && owner.hostname === os.hostname() ? ' (this process: the store is already open)' : '';
  return new Error(
    `Data directory ${dir} is in use by ${where}${self}, started ${owner.startedAt}. ` +
      `The embedded database (PGlite) cannot be shared between processes: stop that process, point this one at another DATA_DIR, ` +
      `or set DATABASE_URL to use PostgreSQL. If that process is not a facestream server (its pid was reused), delete ${file}.`,
  );
}

// Only remove the file if it still carries our identity, so a lock taken over by someone else is left alone.
function unlinkIfOurs(file: string, info: LockInfo): void {
  const current = readLock(file);
  if (!current || current.pid !== info.pid || current.startedAt !== info.startedAt) return;
  try {
    fs.unlinkSync(file);
  } catch {
    // Already gone: nothing to release.
  }
}
