// Which moment of a gallery import stalls a camera (the stalls suite says how much, this says when): a camera streams
// 15 fps while N one-face people are imported through REST, then N more through the job; the job's progress and every
// answer slower than --slow ms are printed with their time since the import began. It found the 2.7 s stall of the
// gallery's rebuild at a layout change, which read every template in one query on the main thread (issue 19).
// Usage: npx tsx bench/stall-trace.ts [--people 10000] [--slow 300]
import { parseArgs } from 'node:util';
import { connectCamera } from './lib/camera.js';
import { sceneFrames } from './lib/frames.js';
import { LIVE_SCENE } from './lib/people.js';
import { startGalleryFileImport, waitJob } from './lib/rest.js';
import { startBenchServer } from './lib/suite.js';
import { CAMERA_FPS } from './live.js';
import { galleryFile } from './stalls.js';

const { values } = parseArgs({ options: { people: { type: 'string', default: '10000' }, slow: { type: 'string', default: '300' } } });
const people = Number(values.people);
const server = await startBenchServer();
try {
  const cam = await connectCamera(server.url, 'trace');
  const frames = (await sceneFrames(LIVE_SCENE.photo, LIVE_SCENE.faces, 30)).map((f) => f.jpeg);
  await cam.stream({ frames, fps: CAMERA_FPS, durationMs: 2000 });
  const { gallery } = (await (await fetch(`${server.url}/health`)).json()) as { gallery: { modelId: string; dims: number } };
  for (const via of ['rest', 'job'] as const) {
    const file = galleryFile(gallery.modelId, gallery.dims, people);
    const marks: [number, string][] = [];
    let done = false;
    const t0 = performance.now();
    const mark = (m: string) => marks.push([Math.round(performance.now() - t0), m]);
    const request = (async () => {
      if (via === 'rest') {
        const form = new FormData();
        form.append('file', new Blob([file], { type: 'application/gzip' }), 'g.jsonl.gz');
        const r = await fetch(`${server.url}/api/v1/gallery/import`, { method: 'POST', body: form });
        mark(`answered ${r.status}`);
        return;
      }
      const jobUrl = await startGalleryFileImport(server.url, file);
      mark(`202 ${jobUrl}`);
      let last = -1;
      const job = await waitJob(server.url, jobUrl, (j) => {
        if (j.processed !== last) mark(`processed ${(last = j.processed)} (${j.state})`);
      });
      mark(`job ${job.state}`);
    })().finally(() => (done = true));
    const run = await cam.stream({ frames, fps: CAMERA_FPS, durationMs: 3_600_000, until: () => done });
    await request;
    await cam.stream({ frames, fps: CAMERA_FPS, durationMs: 3000 });
    console.log(`\n${via}: ${run.answers.length} answers`);
    for (const [t, m] of marks) console.log(`  mark ${t} ms: ${m}`);
    for (const a of run.answers) if (a.rttMs > Number(values.slow)) console.log(`  slow: answered at ${Math.round(a.at)} ms, rtt ${Math.round(a.rttMs)} ms`);
  }
  cam.close();
} finally {
  await server.stop();
}
