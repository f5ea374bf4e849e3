// Bundles the browser client (one entry per page in src/client/) into public/build/ with esbuild. `--watch` rebuilds on change.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const production = process.env.NODE_ENV === 'production';
const watch = process.argv.includes('--watch');

/** @type {import('esbuild').BuildOptions} */
const options = {
  absWorkingDir: root,
  entryPoints: ['live', 'enrol', 'kiosk', 'people', 'unknown', 'attendance', 'integrations', 'cameras', 'wall', 'status', 'security'].map(
    (page) => `src/client/${page}.ts`,
  ),
  outdir: 'public/build',
  bundle: true,
  format: 'esm',
  // The pages share chunks (protocol + zod + view, session + shell), cached across pages.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  platform: 'browser',
  target: 'chrome110',
  sourcemap: true,
  minify: production,
  define: { 'process.env.NODE_ENV': JSON.stringify(production ? 'production' : 'development') },
  logLevel: 'info',
};

// Start clean so stale hashed chunks don't pile up.
fs.rmSync(path.join(root, 'public/build'), { recursive: true, force: true });

if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
} else {
  await esbuild.build(options);
}
