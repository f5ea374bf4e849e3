// Compiles the server (src/server, src/shared) from TypeScript to JavaScript in dist/, file for file, with esbuild:
// `npm start` runs dist/server/main.js with plain node. Through tsx, every start (and every inference thread) paid
// its loader to transform the modules again: ~2 s of a ~6 s start (issue 20: ready in 5 s). No type checking here;
// `npm run typecheck` does that. dist/ mirrors src/ at the same depth, so paths built from import.meta.url (models/,
// migrations/, public/) resolve the same from both.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist');

/** Every .ts file under dir (relative to the repository), declaration files excepted. */
function sources(dir) {
  return fs
    .readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => path.relative(root, path.join(e.parentPath ?? e.path, e.name)));
}

const t0 = performance.now();
// A file removed from src/ must not live on in dist/.
fs.rmSync(path.join(outdir, 'server'), { recursive: true, force: true });
fs.rmSync(path.join(outdir, 'shared'), { recursive: true, force: true });
const entryPoints = [...sources('src/server'), ...sources('src/shared')];
await esbuild.build({
  absWorkingDir: root,
  entryPoints,
  outbase: 'src',
  outdir: 'dist',
  bundle: false,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
});
// Node reads dist/*.js as ES modules only with a package.json saying so (the repository's says "module" too, but dist/
// may be copied elsewhere).
fs.writeFileSync(path.join(outdir, 'package.json'), '{ "type": "module" }\n');
process.stderr.write(`server compiled: ${entryPoints.length} files to dist/ in ${Math.round(performance.now() - t0)} ms\n`);
