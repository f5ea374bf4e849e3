// Lists a folder import (`<dir>/<person>/<image>`) as source entries. A file or folder that cannot be read, or that
// vanishes while the import runs, becomes that entry's error, never the whole import's.
import fs from 'node:fs';
import path from 'node:path';
import type { SourceEntry } from './layout.js';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Throws only when `dir` itself cannot be listed. */
export async function listFolder(dir: string): Promise<SourceEntry[]> {
  const entries: SourceEntry[] = [];
  const unreadable = (rel: string, err: unknown): SourceEntry => ({
    path: rel,
    read: async () => new Uint8Array(),
    refused: { code: 'unreadable', reason: `could not be read: ${message(err)}` },
  });
  for (const person of await fs.promises.readdir(dir, { withFileTypes: true })) {
    const personDir = path.join(dir, person.name);
    if (!person.isDirectory()) {
      // A stray file at the top (bad_layout when planned), read like any other file.
      entries.push(await fileEntry(path.join(dir, person.name), person.name).catch((err) => unreadable(person.name, err)));
      continue;
    }
    let files: fs.Dirent[];
    try {
      files = await fs.promises.readdir(personDir, { withFileTypes: true });
    } catch (err) {
      entries.push(unreadable(`${person.name}/`, err));
      continue;
    }
    for (const f of files) {
      const rel = `${person.name}/${f.name}`;
      if (f.isDirectory()) entries.push({ path: `${rel}/(folder)`, read: async () => new Uint8Array() });
      else entries.push(await fileEntry(path.join(personDir, f.name), rel).catch((err) => unreadable(rel, err)));
    }
  }
  return entries;
}

/** A file with its size from stat (so an oversized one is refused unread); reading it later may still fail. */
async function fileEntry(file: string, rel: string): Promise<SourceEntry> {
  const st = await fs.promises.stat(file);
  if (!st.isFile()) return { path: rel, read: async () => new Uint8Array(), refused: { code: 'unreadable', reason: 'not a regular file' } };
  return { path: rel, size: st.size, read: async () => new Uint8Array(await fs.promises.readFile(file)) };
}
