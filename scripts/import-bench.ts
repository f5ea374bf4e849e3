// Bulk import benchmark: imports a `<person>/<image>` folder through the REST API while a camera streams frames over
// the WebSocket, and reports the import's timing and the live frame latency before and during it.
// usage: npx tsx scripts/import-bench.ts DIR [LIVE_JPEG]   (e.g. ../shared/faces)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../src/server/load-config.js';
import { silentLogger } from '../src/server/log.js';
import { startServer } from '../src/server/server.js';
import { TestClient } from '../tests/helpers/ws-client.js';

const dir = path.resolve(process.argv[2] ?? '../shared/faces');
const liveJpeg = new Uint8Array(fs.readFileSync(process.argv[3] ?? 'tests/fixtures/faces/Joe_Biden/1.jpg'));
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'facestream-bench-'));
const parsed = parseConfig({ ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, AUTH_MODE: 'open' });
if (!parsed.ok) throw new Error(parsed.errors.join('; '));
const server = await startServer(parsed.config, { log: silentLogger });

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const summary = (xs: number[]) => `n=${xs.length} p50=${pct(xs, 50).toFixed(0)} ms p95=${pct(xs, 95).toFixed(0)} ms max=${Math.max(...xs).toFixed(0)} ms`;

const client = await TestClient.connect(server.url);
const frame = async () => {
  const t0 = performance.now();
  const o = await client.frame(liveJpeg);
  return { rtt: performance.now() - t0, server: o.timings.total };
};
for (let i = 0; i < 5; i++) await frame(); // warm
const before: number[] = [];
for (let i = 0; i < 30; i++) before.push((await frame()).rtt);

const t0 = performance.now();
const res = await server.app.request('/api/v1/imports/folder', {
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ path: dir, exclude: ['video'] }),
});
const { url } = (await res.json()) as { url: string };
const during: number[] = [];
let job: { state: string; total: number; processed: number; accepted: number; rejected: number; results: { code?: string }[] };
for (;;) {
  during.push((await frame()).rtt);
  job = (await (await server.app.request(url)).json()) as typeof job;
  if (job.state === 'done' || job.state === 'failed') break;
}
const seconds = (performance.now() - t0) / 1000;
const reasons: Record<string, number> = {};
for (const r of job.results) if (r.code) reasons[r.code] = (reasons[r.code] ?? 0) + 1;
client.close();
const stats = server.gallery.stats();
await server.close();
fs.rmSync(dataDir, { recursive: true, force: true });

console.log(`import of ${dir}: ${job.state}, ${job.total} images in ${seconds.toFixed(1)} s (${((seconds * 1000) / job.total).toFixed(0)} ms/image)`);
console.log(
  `  accepted ${job.accepted}, rejected ${job.rejected} ${JSON.stringify(reasons)}; gallery ${stats.people} people, ${stats.faces} faces (${stats.backend}, ${server.analyzer.backend})`,
);
console.log(`live frame round trip before the import: ${summary(before)}`);
console.log(`live frame round trip during the import: ${summary(during)}`);
