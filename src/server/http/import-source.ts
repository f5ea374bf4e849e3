// Reads a bulk import laid out as `<person name>/<image>` from a zip or a server-side folder, into per-person image lists.
import fs from 'node:fs';
import path from 'node:path';
import { unzipSync } from 'fflate';
import type { ImageInput, ImageVerdict } from './enrol-images.js';

export interface ImportPlan {
  /** Images by person name, in file-name order. */
  people: Map<string, ImageInput[]>;
  /** Entries that cannot be imported whatever their content (bad layout, too large), reported as rejected. */
  rejected: ImageVerdict[];
}

/** Folder name to person name: LFW-style underscores become spaces. */
export const personName = (dir: string): string => dir.replace(/_/g, ' ').replace(/\s+/g, ' ').trim();

/** Hidden files, macOS metadata and folders starting with `_` (e.g. `_group`) are not people. */
const skipped = (segment: string) => segment.startsWith('.') || segment.startsWith('_') || segment === '__MACOSX';

const byName = (a: ImageInput, b: ImageInput) => a.file.localeCompare(b.file, 'en', { numeric: true });

function plan(entries: { path: string; size: number; read: () => Promise<Uint8Array> }[], maxBytes: number, exclude: Set<string>, stripTop: boolean): ImportPlan {
  const people = new Map<string, ImageInput[]>();
  const rejected: ImageVerdict[] = [];
  const split = entries.map((e) => e.path.split('/').filter(Boolean));
  const kept = entries.map((_, i) => i).filter((i) => !split[i]!.some(skipped));
  // A zip of a folder wraps everything in that folder: strip one shared top level.
  const tops = new Set(kept.map((i) => split[i]![0]));
  const strip = stripTop && tops.size === 1 && kept.some((i) => split[i]!.length >= 3);
  kept.forEach((i) => {
    const e = entries[i]!;
    const p = strip ? split[i]!.slice(1) : split[i]!;
    if (p.length === 2 && exclude.has(p[0]!)) return;
    if (p.length !== 2) return void rejected.push({ file: e.path, status: 'rejected', code: 'bad_layout', reason: 'expected <person name>/<image>' });
    if (e.size > maxBytes) return void rejected.push({ file: e.path, status: 'rejected', code: 'payload_too_large', reason: `${e.size} bytes, over the limit of ${maxBytes}` });
    const name = personName(p[0]!);
    if (!name || name.length > 100) return void rejected.push({ file: e.path, status: 'rejected', code: 'bad_layout', reason: 'person folder name must be 1-100 characters' });
    const list = people.get(name) ?? [];
    list.push({ file: e.path, size: e.size, read: e.read });
    people.set(name, list);
  });
  for (const list of people.values()) list.sort(byName);
  return { people: new Map([...people].sort(([a], [b]) => a.localeCompare(b))), rejected };
}

/** Plans an import from zip bytes. Entries are only inflated when their declared size is within the limit. */
export function planZip(zip: Uint8Array, maxBytes: number): ImportPlan {
  const sizes = new Map<string, number>();
  const files = unzipSync(zip, {
    filter: (f) => {
      if (f.name.endsWith('/')) return false;
      sizes.set(f.name, f.originalSize);
      return f.originalSize <= maxBytes;
    },
  });
  const entries = [...sizes].map(([name, size]) => ({ path: name, size, read: async () => files[name] ?? new Uint8Array() }));
  return plan(entries, maxBytes, new Set(), true);
}

/** Plans an import from a directory on the server: `<dir>/<person>/<image>`. */
export function planFolder(dir: string, maxBytes: number, exclude: string[] = []): ImportPlan {
  const entries: { path: string; size: number; read: () => Promise<Uint8Array> }[] = [];
  for (const person of fs.readdirSync(dir, { withFileTypes: true })) {
    const personDir = path.join(dir, person.name);
    if (!person.isDirectory()) {
      entries.push({ path: person.name, size: 0, read: async () => new Uint8Array() });
      continue;
    }
    for (const f of fs.readdirSync(personDir, { withFileTypes: true })) {
      const file = path.join(personDir, f.name);
      const rel = `${person.name}/${f.name}`;
      if (f.isFile()) entries.push({ path: rel, size: fs.statSync(file).size, read: async () => new Uint8Array(await fs.promises.readFile(file)) });
      else entries.push({ path: `${rel}/(folder)`, size: 0, read: async () => new Uint8Array() });
    }
  }
  return plan(entries, maxBytes, new Set(exclude), false);
}
