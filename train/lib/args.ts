// Minimal command-line parsing for the train/ CLIs: `--name value`, `--flag`, `--no-flag`, and --help text.
import path from 'node:path';
import { parseArgs } from 'node:util';

export interface OptionSpec {
  type: 'string' | 'boolean';
  help: string;
  default?: string | boolean;
}

/** Parses argv against `spec`; prints usage and exits 0 on --help, prints the error and exits 2 on a bad option. */
export function cli<S extends Record<string, OptionSpec>>(usage: string, spec: S, argv = process.argv.slice(2)) {
  const options: Record<string, { type: 'string' | 'boolean'; default?: string | boolean }> = { help: { type: 'boolean' } };
  for (const [k, v] of Object.entries(spec)) options[k] = { type: v.type, ...(v.default !== undefined ? { default: v.default } : {}) };
  const text = () =>
    `${usage}\n\nOptions:\n${Object.entries(spec)
      .map(
        ([k, v]) =>
          `  --${k}${v.type === 'string' ? ' VALUE' : ''}`.padEnd(28) +
          v.help +
          (v.default !== undefined && v.default !== false ? ` (default ${v.default})` : ''),
      )
      .join('\n')}\n  --help                    this text\n`;
  let values: Record<string, unknown>;
  try {
    const parsed = parseArgs({ args: argv, options, allowNegative: true, strict: true, allowPositionals: true });
    values = { ...parsed.values, _: parsed.positionals };
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n\n${text()}`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(text());
    process.exit(0);
  }
  return values as { [K in keyof S]: S[K]['type'] extends 'boolean' ? boolean : string | undefined } & { _: string[] };
}

export function required(value: string | undefined, name: string): string {
  if (!value) {
    process.stderr.write(`--${name} is required (see --help)\n`);
    process.exit(2);
  }
  return value;
}

export function numberOpt(value: string | undefined, name: string, def: number): number {
  if (value === undefined) return def;
  const n = Number(value);
  if (!Number.isFinite(n)) {
    process.stderr.write(`--${name} must be a number, got ${JSON.stringify(value)}\n`);
    process.exit(2);
  }
  return n;
}

/**
 * A path as results and docs record it: relative to the repository (`../shared/faces`) when it lies beside it, so no
 * machine's absolute path is written into a committed file; anything further away (a temp dir) is kept as given.
 */
export function recordedPath(p: string): string {
  const rel = path.relative(process.cwd(), path.resolve(p));
  return rel === '' ? '.' : rel.startsWith('../..') || path.isAbsolute(rel) ? p : rel;
}

/** This process's command line as `npm run <script> -- …`, with paths recorded as `recordedPath` does. */
export function recordedCommand(script: string, argv = process.argv.slice(2)): string {
  return `npm run ${script} -- ${argv.map((a) => (path.isAbsolute(a) ? recordedPath(a) : a)).join(' ')}`;
}
