// The import graph (dependency-cruiser, rules in .dependency-cruiser.cjs): no cycles, drizzle and postgres only inside
// the store, src/shared importing only zod, src/client never importing src/server, tracking pure. Breaks that exist today are listed below, so any new one fails.
import fs from 'node:fs';
import path from 'node:path';
import { cruise, type ICruiseOptions, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * Known breaks, each to be deleted from this list by the change that fixes it (a listed break that is gone fails too,
 * so the list only shrinks). Issue 9 seals the store (the store/ cycles, the drizzle imports) and the gallery index.
 */
const KNOWN: string[] = [];

/** One line per break. A cycle is written from its alphabetically first module, so each reads the same on every run. */
function describeViolations(result: ICruiseResult): string[] {
  const lines = result.summary.violations.map((v) => {
    if (v.cycle) {
      const ring = [v.from, ...v.cycle.map((c) => c.name)].slice(0, -1);
      const start = ring.indexOf([...ring].sort()[0]!);
      return `${v.rule.name}: ${[...ring.slice(start), ...ring.slice(0, start)].join(' -> ')}`;
    }
    return `${v.rule.name}: ${v.from} -> ${v.to.replace(/^.*node_modules\/((@[^/]+\/)?[^/]+).*$/, '$1')}`;
  });
  return [...new Set(lines)].sort();
}

async function cruiseTree(dirs: string[], baseDir: string): Promise<string[]> {
  const options: ICruiseOptions = { ...(await extractDepcruiseOptions(path.join(ROOT, '.dependency-cruiser.cjs'))), baseDir };
  const tsConfig = extractTSConfig(path.join(ROOT, 'tsconfig.json'));
  const { output } = await cruise(dirs, options, {}, { tsConfig });
  return describeViolations(output as ICruiseResult);
}

describe('import graph', () => {
  let found: string[];
  beforeAll(async () => {
    found = await cruiseTree(['src', 'train', 'bench', 'scripts'], ROOT);
  }, 120_000);

  it('breaks no import rule beyond the known ones', () => {
    expect(found.filter((v) => !KNOWN.includes(v))).toEqual([]);
  });

  it('lists no known break that is already fixed (delete its line from KNOWN)', () => {
    expect(KNOWN.filter((v) => !found.includes(v))).toEqual([]);
  });
});

describe('the import rules', () => {
  // A tiny tree that breaks every rule once, inside the repository so drizzle-orm and zod resolve from its node_modules.
  const dir = path.join(ROOT, 'tests/.tmp', `architecture-${process.pid}`);
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  };
  beforeAll(() => {
    write('src/shared/ok.ts', "import { z } from 'zod';\nimport { other } from './other.js';\nexport const ok = z.string().or(other);\n");
    write('src/shared/other.ts', "import { z } from 'zod';\nexport const other = z.number();\n");
    write('src/shared/bad.ts', "import fs from 'node:fs';\nimport { a } from '../server/a.js';\nexport const bad = [fs.existsSync, a];\n");
    write('src/server/store/repo.ts', "import { eq } from 'drizzle-orm';\nexport const repo = eq;\n");
    write('src/server/a.ts', "import { sql } from 'drizzle-orm';\nimport type { B } from './b.js';\nexport const a = sql;\nexport type A = B | 1;\n");
    write('src/server/b.ts', "import type { A } from './a.js';\nexport type B = A | 2;\n");
    // Layers: vision reading the server config, the store reaching up to the gateway, the two edges importing each
    // other; a service using the store is the right way round.
    write('src/server/config.ts', 'export const c = 1;\n');
    write('src/server/vision/v.ts', "import { c } from '../config.js';\nexport const v = c;\n");
    write('src/server/http/h.ts', 'export const h = 1;\n');
    write('src/server/gateway/g.ts', "import { h } from '../http/h.js';\nexport const g = h;\n");
    write('src/server/store/s.ts', "import { g } from '../gateway/g.js';\nexport const s = g;\n");
    write('src/server/enrolment/e.ts', "import { s } from '../store/s.js';\nexport const e = s;\n");
    // The browser bundle reaching into the server; tracking using the gallery or vision's runtime (its types are fine);
    // postgres outside the store (inside it is the right place).
    write('src/client/c.ts', "import { c } from '../server/config.js';\nexport const cl = c;\n");
    write('src/server/vision/detector.ts', 'export type Box = [number, number];\nexport const detect = 1;\n');
    write('src/server/vision/types.ts', 'export type Point = [number, number];\n');
    write('src/server/gallery/gx.ts', 'export const gx = 1;\n');
    write('src/server/tracking/geo.ts', "import type { Point } from '../vision/types.js';\nexport const geo = (p: Point) => p;\n");
    write(
      'src/server/tracking/t.ts',
      "import { detect } from '../vision/detector.js';\nimport { gx } from '../gallery/gx.js';\nexport const t = detect + gx;\n",
    );
    write('src/server/events/bus.ts', "import postgres from 'postgres';\nexport const bus = postgres;\n");
    write('src/server/store/pg.ts', "import postgres from 'postgres';\nexport const pg = postgres;\n");
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('catch a type-only cycle, drizzle or postgres outside store/, an upward import, the client importing the server, impure tracking, and shared/ importing Node or the server, and pass the rest', async () => {
    expect(await cruiseTree(['src'], dir)).toEqual([
      'client-not-server: src/client/c.ts -> src/server/config.ts',
      'core-apart: src/server/vision/v.ts -> src/server/config.ts',
      'drizzle-only-in-store: src/server/a.ts -> drizzle-orm',
      'edges-apart: src/server/gateway/g.ts -> src/server/http/h.ts',
      'layer-core: src/server/store/s.ts -> src/server/gateway/g.ts',
      'no-cycle: src/server/a.ts -> src/server/b.ts',
      'postgres-only-in-store: src/server/events/bus.ts -> postgres',
      'shared-imports-only-zod: src/shared/bad.ts -> fs', // a Node built-in, named without node:
      'shared-imports-only-zod: src/shared/bad.ts -> src/server/a.ts',
      'tracking-pure: src/server/tracking/t.ts -> src/server/gallery/gx.ts',
      'tracking-pure: src/server/tracking/t.ts -> src/server/vision/detector.ts',
    ]);
  }, 60_000);
});
