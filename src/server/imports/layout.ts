// Turns the entries of a zip or folder import into people and their images (`<person name>/<image>`), and lists every
// entry it cannot use with a reason: nothing is dropped silently.
import { forbiddenCharacter, normaliseText } from '../../shared/text.js';
import type { ImageInput, ImageVerdict } from '../enrolment/from-images.js';

/** One file of an import source. `refused` is set when the source already knows it cannot be used (too large, a bomb). */
export interface SourceEntry {
  path: string;
  size?: number;
  read(): Promise<Uint8Array>;
  refused?: { code: string; reason: string };
}

export interface ImportPlan {
  /** Images by person name, in file-name order; people by name. */
  people: Map<string, ImageInput[]>;
  /** Entries refused or skipped while planning, in source order. */
  verdicts: ImageVerdict[];
}

/** Folder name to person name: LFW-style underscores become spaces; then the one normalisation of names (shared/text.ts). */
export const personName = (dir: string): string => normaliseText(dir.replace(/_/g, ' '));

/** Hidden files, macOS metadata and folders starting with `_` (e.g. `_group`) are not people. */
const ignored = (segment: string) => segment.startsWith('.') || segment.startsWith('_');

const byFile = (a: ImageInput, b: ImageInput) => a.file.localeCompare(b.file, 'en', { numeric: true });

/**
 * Path segments of an entry: `\` counts as `/` (zips made on Windows), empty and `.` segments go (`./Alice/1.jpg` is
 * `Alice/1.jpg`); null when a `..` segment would leave the import.
 */
export function pathSegments(p: string): string[] | null {
  const parts = p
    .replace(/\\/g, '/')
    .split('/')
    .filter((s) => s !== '' && s !== '.');
  return parts.includes('..') ? null : parts;
}

export interface PlanOptions {
  /** Person folders to skip (listed as `excluded`). */
  exclude?: Set<string>;
  /** A zip of a folder wraps everything in it: strip one top level shared by every entry. */
  stripTop: boolean;
}

export function planImport(entries: SourceEntry[], opts: PlanOptions): ImportPlan {
  const people = new Map<string, ImageInput[]>();
  const verdicts: ImageVerdict[] = [];
  const reject = (file: string, code: string, reason: string) => verdicts.push({ file, status: 'rejected', code, reason });
  const skip = (file: string, code: string, reason: string) => verdicts.push({ file, status: 'skipped', code, reason });

  const split = entries.map((e) => pathSegments(e.path));
  const kept = entries.map((_, i) => i).filter((i) => split[i] && !split[i]!.some(ignored));
  const tops = new Set(kept.map((i) => split[i]![0]));
  const strip = opts.stripTop && tops.size === 1 && kept.some((i) => split[i]!.length >= 3);
  const seen = new Map<string, string>();

  entries.forEach((e, i) => {
    const segments = split[i];
    if (!segments) return reject(e.path, 'bad_path', 'the path leaves the import with ".."');
    if (segments.some(ignored)) return skip(e.path, 'ignored', 'files and folders starting with "." or "_" are not people');
    if (e.refused) return reject(e.path, e.refused.code, e.refused.reason);
    const p = strip ? segments.slice(1) : segments;
    const key = p.join('/');
    const first = seen.get(key);
    if (first !== undefined) return reject(e.path, 'duplicate_path', `the same path as an earlier entry (${first})`);
    seen.set(key, e.path);
    if (p.length !== 2) return reject(e.path, 'bad_layout', 'expected <person name>/<image>');
    if (opts.exclude?.has(p[0]!)) return skip(e.path, 'excluded', `person folder "${p[0]}" is excluded`);
    const name = personName(p[0]!);
    if (!name || name.length > 100) return reject(e.path, 'bad_layout', 'person folder name must be 1-100 characters');
    const bad = forbiddenCharacter(name);
    if (bad) return reject(e.path, 'bad_layout', `person folder name holds ${bad}, which a name may not`);
    const list = people.get(name) ?? [];
    list.push({ file: e.path, size: e.size, read: e.read });
    people.set(name, list);
  });
  for (const list of people.values()) list.sort(byFile);
  return { people: new Map([...people].sort(([a], [b]) => a.localeCompare(b))), verdicts };
}
