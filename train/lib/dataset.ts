// Walks a `<person>/<image>` tree: people with their image paths, and every problem found (empty folders, stray files).
import fs from 'node:fs';
import path from 'node:path';

export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp'];

export interface Person {
  name: string;
  /** Paths relative to the root, `<person>/<file>`, in natural order. */
  images: string[];
}

export interface Problem {
  path: string;
  reason: string;
}

export interface Dataset {
  root: string;
  people: Person[];
  problems: Problem[];
  imageCount: number;
}

/** Folders that hold no identity: group photos (`_group`), clips (`video`), hidden folders. */
export function isSkippedFolder(name: string): boolean {
  return name.startsWith('_') || name.startsWith('.') || name === 'video';
}

const collator = new Intl.Collator('en', { numeric: true });
export const naturalSort = (a: string, b: string) => collator.compare(a, b);

export function walkDataset(root: string): Dataset {
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw new Error(`dataset root ${root} is not a directory`);
  const people: Person[] = [];
  const problems: Problem[] = [];
  for (const entry of fs.readdirSync(root, { withFileTypes: true }).sort((a, b) => naturalSort(a.name, b.name))) {
    if (!entry.isDirectory()) continue; // README/SOURCES files next to the people are not identities
    if (isSkippedFolder(entry.name)) continue;
    const images: string[] = [];
    for (const file of fs.readdirSync(path.join(root, entry.name), { withFileTypes: true }).sort((a, b) => naturalSort(a.name, b.name))) {
      const rel = `${entry.name}/${file.name}`;
      if (file.name.startsWith('.')) continue;
      if (!file.isFile()) problems.push({ path: rel, reason: 'not a file' });
      else if (!IMAGE_EXTENSIONS.includes(path.extname(file.name).toLowerCase())) problems.push({ path: rel, reason: 'not an image (extension)' });
      else images.push(rel);
    }
    if (images.length === 0) problems.push({ path: entry.name, reason: 'empty folder: no images' });
    else people.push({ name: entry.name, images });
  }
  return { root, people, problems, imageCount: people.reduce((n, p) => n + p.images.length, 0) };
}

/**
 * Resolves an LFW pairs.txt reference (person, 1-based number) to a file: LFW's own `<name>_0001.jpg`,
 * else `<n>.<ext>`, else the n-th image of the folder in natural order. Null when none exists.
 */
export function resolveLfwImage(root: string, person: string, n: number): string | null {
  const dir = path.join(root, person);
  if (!fs.existsSync(dir)) return null;
  for (const ext of IMAGE_EXTENSIONS) {
    for (const name of [`${person}_${String(n).padStart(4, '0')}${ext}`, `${n}${ext}`]) {
      if (fs.existsSync(path.join(dir, name))) return `${person}/${name}`;
    }
  }
  const files = fs
    .readdirSync(dir)
    .filter((f) => IMAGE_EXTENSIONS.includes(path.extname(f).toLowerCase()))
    .sort(naturalSort);
  const f = files[n - 1];
  return f ? `${person}/${f}` : null;
}

/** The bytes of an image file, or why it could not be read (counted as a per-item problem, never thrown). */
export function readImageFile(file: string): { ok: true; bytes: Buffer } | { ok: false; reason: string } {
  try {
    return { ok: true, bytes: fs.readFileSync(file) };
  } catch (err) {
    return { ok: false, reason: `unreadable: ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
  }
}
