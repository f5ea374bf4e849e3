// JSON-lines checkpoints: append one record per finished item, so a long run killed half way resumes where it stopped.
import fs from 'node:fs';
import path from 'node:path';

export interface Checkpoint<T> {
  /** Records already in the file, by key. */
  readonly done: Map<string, T>;
  append(key: string, record: T): void;
}

/**
 * Opens (or creates) `file`. A torn last line from a crash is skipped, not fatal: that item is simply done again.
 * `header` is written first in a new file and must match in an old one, so a checkpoint of other settings is not reused.
 */
export function openCheckpoint<T>(file: string, header: Record<string, unknown>): Checkpoint<T> {
  const done = new Map<string, T>();
  const headerLine = JSON.stringify({ header });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (fs.existsSync(file)) {
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    if (lines[0] !== headerLine) {
      fs.renameSync(file, `${file}.stale`);
    } else {
      for (const line of lines.slice(1)) {
        if (!line) continue;
        try {
          const { key, record } = JSON.parse(line) as { key: string; record: T };
          done.set(key, record);
        } catch {
          // torn write at the end of an interrupted run
        }
      }
    }
  }
  if (!fs.existsSync(file)) fs.writeFileSync(file, `${headerLine}\n`);
  // After a torn write the file may not end in a newline; start the next record on a line of its own.
  else if (!fs.readFileSync(file, 'utf8').endsWith('\n')) fs.appendFileSync(file, '\n');
  return {
    done,
    append(key, record) {
      fs.appendFileSync(file, `${JSON.stringify({ key, record })}\n`);
      done.set(key, record);
    },
  };
}
