// The per-suite sections of BENCHMARKS.md: tables of what each results file holds, and, for a target not met, the
// stage times that show what limits it. Pure functions of one results file each.

export type Any = any;

const fmt = (x: unknown, unit = '', digits = 1) => (typeof x === 'number' && Number.isFinite(x) ? `${+x.toFixed(digits)}${unit}` : 'n/a');
const pctOf = (x: unknown) => (typeof x === 'number' ? `${+(100 * x).toFixed(1)}%` : 'n/a');
const table = (head: string[], rows: string[][]) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const ms = (s: Any) => `${fmt(s?.p50)} / ${fmt(s?.p95)} ms`;
const skipped = (title: string, f: Any) => (f.skipped ? `${title}\n\nSkipped: ${f.skipped}` : null);

function stageRows(st: Any): string[][] {
  return [
    ['waiting in the server queue p50 / p95', ms(st.queueMs)],
    ['decode p50 / p95 (detected frames)', ms(st.decodeMs)],
    [
      'decode and detect: frames detected (the rest answered by the tracker, `DETECT_INTERVAL_MS`)',
      pctOf(st.framesPredictedShare == null ? null : 1 - st.framesPredictedShare),
    ],
    ['round trip of the detected frames p50 / p95', ms(st.roundTripDetectedMs)],
    ['detect p50 / p95 (detected frames)', ms(st.detectMs)],
    ['embed (frames that run it) p50 / p95', ms(st.embedWhenRunMs)],
    ['server total p50 / p95', ms(st.serverTotalMs)],
    ['frames embedded', pctOf(st.framesEmbeddedShare)],
  ];
}

/** What the stage times say about a round trip over target: the queue (too little throughput) or the work itself. */
export function limitNote(st: Any, rttP50: number): string {
  const queue = st?.queueMs?.p50 ?? 0;
  const work = (st?.serverTotalMs?.p50 ?? 0) - queue;
  const detect = st?.detectMs?.p50 ?? 0;
  return `Round trip p50 ${fmt(rttP50, ' ms')}: ${fmt(queue, ' ms')} waiting for an inference thread, ${fmt(work, ' ms')} of server work (detection ${fmt(detect, ' ms')} of it), the rest is transport and the client.`;
}

export function liveSection(f: Any): string {
  const title = '## One camera: `npm run bench -- --only live` (bench/live.ts)';
  const skip = skipped(title, f);
  if (skip) return skip;
  const r = f.results;
  const over = r.roundTripMs.p50 > (f.targets?.roundTripP50Ms ?? 50) || r.roundTripMs.p95 > (f.targets?.roundTripP95Ms ?? 100);
  return [
    title,
    '',
    `A camera client speaking docs/protocol.md sends a 640x480 JPEG of one enrolled face every 66.7 ms (15 fps) for ${f.settings.seconds} s,`,
    `with at most ${f.settings.MAX_FRAMES_IN_FLIGHT} unanswered (\`MAX_FRAMES_IN_FLIGHT\`), like the browser client; a tick with no free slot is a dropped frame.`,
    `The server runs as \`npm start\` runs it, with ${f.settings.INFERENCE_WORKERS} inference workers (the default).`,
    '',
    table(
      ['measure', 'value'],
      [
        ['frames answered per second', fmt(r.fps, ' fps', 2)],
        ['dropped share (camera frames with no overlay of their own)', pctOf(r.droppedShare)],
        [
          'round trip p50 / p95 / p99 / max',
          `${fmt(r.roundTripMs.p50)} / ${fmt(r.roundTripMs.p95)} / ${fmt(r.roundTripMs.p99)} / ${fmt(r.roundTripMs.max)} ms`,
        ],
        ...stageRows(r.stages),
        ['frames that carried the name', pctOf(r.namedShare)],
        ["time from a new camera's first frame to its name, p50 / max", `${fmt(r.timeToNameMs.p50)} / ${fmt(r.timeToNameMs.max)} ms`],
        ['server CPU (share of one core)', pctOf(r.serverCpuShare)],
        ['server CPU time a frame (changes little with the machine load)', fmt(r.serverCpuMsPerFrame, ' ms')],
        ['server start (spawn to /ready)', fmt(r.serverStartupS, ' s')],
        ['server resident memory', `${r.serverRssMiB} MiB`],
      ],
    ),
    ...(over ? ['', limitNote(r.stages, r.roundTripMs.p50)] : []),
  ].join('\n');
}

export function baselineSection(f: Any): string {
  const title = '## Against Human the straightforward way: `npm run bench -- --only baseline` (bench/baseline.ts)';
  const skip = skipped(title, f);
  if (skip) return skip;
  const r = f.results;
  const rows = [
    ['this project (every frame sent once, 2 in flight)', r.project],
    ['Human, default config', r.human.default],
    ['Human, default config without its frame cache', r.human.noCache],
  ];
  const scenes = Object.keys(r.project.scenes);
  return [
    title,
    '',
    `@vladmandic/human ${f.settings.human.version} with its default configuration: \`human.detect()\` on each decoded frame, then \`human.match.find()\``,
    `of each face against the same people's enrolment photos (embedded by Human), named at similarity >= ${f.settings.human.matchSimilarity} (Human's documented match).`,
    `Same ${r.frames} frames, same run: ${f.settings.framesPerScene} a scene (held-out photos of the enrolled people, one person never enrolled, two two-person photos),`,
    'each scene a clip of its own camera session for the project; Human runs in the benchmark process while the server idles.',
    'A face-frame is right when the face is found and given the right name (no name for the stranger); a name on a face nobody labelled is a false name.',
    '',
    table(
      ['', 'fps', 'right face-frames', 'missed', 'wrong name', 'false names', 'CPU s a frame'],
      rows.map(([label, x]) => [
        label,
        fmt(x.fps, '', 2),
        `${x.total.right} of ${x.total.faces} (${pctOf(x.rightShare)})`,
        String(x.total.missed),
        String(x.total.wrongName),
        String(x.total.falseNames),
        fmt(x.cpuSecondsPerFrame, '', 3),
      ]),
    ),
    '',
    `fps ratio: **${fmt(r.fpsRatio, 'x', 2)}** against Human's default, ${fmt(r.fpsRatioNoCache, 'x', 2)} against Human without its cache; by CPU time a frame (less sensitive to the machine's load) ${fmt(r.cpuRatio, 'x', 2)}.`,
    '',
    'Right face-frames per scene (project / Human default / Human without cache):',
    '',
    table(
      ['scene', 'project', 'Human', 'Human, no cache'],
      scenes.map((s) => [s, ...[r.project, r.human.default, r.human.noCache].map((x) => `${x.scenes[s]?.right ?? 0}/${x.scenes[s]?.faces ?? 0}`)]),
    ),
  ].join('\n');
}

const breadth = (e: Any) => /(?:nprobe|efSearch)=(\d+)/.exec(String(e?.backend ?? ''))?.[1] ?? '-';

export function gallerySection(f: Any): string {
  const title = '## Gallery at scale: `npm run bench -- --only gallery` (bench/gallery.ts)';
  // gallery.ts writes the default index's sizes under `results`, and may add other indexes (`exact`, `hnsw`) beside it.
  const groups: [string, Any[]][] = [
    ['default', f.results ?? []],
    ...(Object.entries(f).filter(([k, v]) => k !== 'results' && Array.isArray(v) && (v as Any[])[0]?.search) as [string, Any[]][]),
  ];
  const rows = groups.flatMap(([label, sizes]) =>
    sizes.flatMap((g) =>
      (g.search as Any[]).map((s, i) => [
        String(g.faces),
        label,
        s.backend,
        breadth(s),
        `${fmt(s.top5.p50Ms, '', 3)} / ${fmt(s.top5.p99Ms, '', 3)} ms`,
        s.top5Cpu ? `${fmt(s.top5Cpu.p99Ms, '', 3)} ms` : 'n/a',
        fmt(s.recallAt1, '', 4),
        fmt(s.recallAt5, '', 4),
        i === 0 ? `${g.buildMs} ms` : '',
        i === 0 ? `${fmt(g.addPersonMs.max, '', 2)} / ${fmt(g.deletePersonMs.max, '', 2)} ms` : '',
        i === 0 ? `${g.rssAboveStartMB} MB (${fmt(g.rssOverVectors, 'x', 2)})` : '',
      ]),
    ),
  );
  return [
    title,
    '',
    `${f.data ?? ''}. Settings: ${JSON.stringify(f.settings)}. Without a server or models: the gallery code and its FAISS binding alone.`,
    'CPU p99 is the CPU time of the same searches: what the wall time would be on a machine nobody else is using.',
    '',
    table(
      [
        'faces',
        'index',
        'description',
        'breadth',
        'top-5 people p50 / p99',
        'top-5 CPU p99',
        'recall@1',
        'recall@5',
        'build',
        'add / delete a person, max',
        'RSS above start',
      ],
      rows,
    ),
  ].join('\n');
}

export function trackingSection(f: Any): string {
  const title = '## Tracking at camera pace: `npm run bench -- --only tracking` (bench/tracking.ts)';
  const fpsList = Object.keys(Object.values(f.results ?? {})[0] ?? {}).sort((a, b) => Number(b) - Number(a));
  const row = (name: string, by: Any) => [
    name,
    ...fpsList.map((fps) => (by?.[fps] ? `${fmt(by[fps].switchesPer100, '', 2)} (${by[fps].switches} on ${by[fps].faces})` : 'n/a')),
  ];
  return [
    title,
    '',
    `${f.metric ? `${f.metric}. ` : ''}Synthetic scenes (no models): ${JSON.stringify(f.scenes ?? {})}.`,
    '',
    table(
      ['tracker: id switches per 100 faces (switches on faces)', ...fpsList.map((x) => `${x} fps`)],
      [
        ...Object.entries(f.results ?? {}).map(([name, by]) => row(name, by)),
        ...Object.entries(f.checkSeed?.results ?? {}).map(([name, by]) => row(`${name}, scenes of seed ${f.checkSeed.seed}`, by)),
        ...Object.entries(f.doubleJitter?.results ?? {}).map(([name, by]) => row(`${name}, twice the detector jitter`, by)),
      ],
    ),
  ].join('\n');
}

export function namingSection(f: Any): string {
  const title = '## Names on the right faces: `npm run bench -- --only naming` (bench/naming.ts)';
  // Older results files have the quiet server's runs only.
  const loads: [string, Record<string, Record<string, Any>>][] = [
    ['quiet', (f.results ?? {}) as Record<string, Record<string, Any>>],
    ...(f.loaded?.results ? [['loaded', f.loaded.results] as [string, Record<string, Record<string, Any>>]] : []),
  ];
  const fpsList = Object.keys(Object.values(loads[0]![1])[0] ?? {}).sort((a, b) => Number(a) - Number(b));
  const rows = loads.flatMap(([load, results]) =>
    Object.entries(results).flatMap(([clock, byFps]) =>
      fpsList.map((fps) => {
        const e = byFps[fps];
        if (!e) return [load, clock, fps, 'n/a', 'n/a', 'n/a', 'n/a', 'n/a', 'n/a'];
        return [
          load,
          clock,
          fps,
          `${e.wrongName} of ${e.enrolledFaceFrames + e.strangerFaceFrames}`,
          `${e.wrongCheckins} of ${e.checkins}`,
          `${e.namedGhosts}`,
          pctOf(e.namedShare),
          `${pctOf(e.newFaceRecall300)} (p95 ${fmt(e.detectP95Ms, ' ms', 0)})`,
          // Older results files did not count the work.
          e.frames ? `${pctOf(e.detectedFrames / e.frames)} / ${(e.embeddings / (e.enrolledFaceFrames + e.strangerFaceFrames)).toFixed(3)}` : 'n/a',
        ];
      }),
    ),
  );
  const loadNote = f.loads ? ` Server: quiet, ${f.loads.quiet}; loaded, ${f.loads.loaded}.` : '';
  return [
    title,
    '',
    `${f.metric ? `${f.metric}. ` : ''}Synthetic scenes (no models): ${JSON.stringify(f.scenes ?? {})}.${loadNote}`,
    '',
    table(
      [
        'server',
        'client clock',
        'fps processed',
        'wrong-name face-frames',
        'wrong check-ins',
        'named boxes on no face',
        'enrolled face-frames named',
        'new faces shown within 300 ms of fully in view',
        'frames detected / embeddings a face-frame',
      ],
      rows,
    ),
  ].join('\n');
}

export function importSection(f: Any): string {
  const title = '## Bulk import while streaming: `npm run bench -- --only import --faces DIR` (bench/import.ts)';
  const skip = skipped(title, f);
  if (skip) return skip;
  const r = f.results;
  const cam = (x: Any) =>
    `${fmt(x.fps, ' fps', 2)}, round trip p50 ${fmt(x.roundTripMs.p50)} / p95 ${fmt(x.roundTripMs.p95)} / max ${fmt(x.roundTripMs.max)} ms, ${pctOf(x.droppedShare)} dropped`;
  return [
    title,
    '',
    `A folder import (\`POST /api/v1/imports/folder\`) of ${f.settings.folder} on a fresh server with default settings, while one camera streams at 15 fps.`,
    '',
    table(
      ['measure', 'value'],
      [
        [
          'import',
          `${r.state}: ${r.files} files in ${fmt(r.seconds, ' s')} (${r.msPerFile} ms a file); ${r.accepted} accepted, ${r.rejected} rejected ${JSON.stringify(r.reasons)}`,
        ],
        ['camera before the import', cam(r.liveBefore)],
        ['camera during the import', cam(r.liveDuring)],
      ],
    ),
  ].join('\n');
}

/** A suite this page has no layout for yet (e.g. a new bench/tracking.ts): its results as they are. */
export function otherSection(name: string, f: Any): string {
  return [`## ${name}`, '', f.skipped ? `Skipped: ${f.skipped}` : ['```json', JSON.stringify(f.results, null, 2), '```'].join('\n')].join('\n');
}

export function ipCamerasSection(f: Any): string {
  const title = '## An IP camera against a socket camera: `npm run bench -- --only ipcameras` (bench/ipcameras.ts)';
  const skip = skipped(title, f);
  if (skip) return skip;
  const r = f.results;
  return [
    title,
    '',
    `A camera the server pulls itself (${r.ipCamera}, served on loopback, \`maxFps\` ${f.settings.ipCameraMaxFps}) and a socket camera sending ${f.settings.cameraFps} fps of the same scene, each alone then both at once, ${f.settings.seconds} s each. "CPU a frame" is the server process's CPU time over the frames it processed (overlays); the IP camera's own ffmpeg (decode, frame-rate cap, JPEG encode) is counted apart, per frame it delivered.`,
    '',
    table(
      ['run', 'camera', 'fps in', 'fps processed', 'server CPU a frame', 'ffmpeg CPU a frame'],
      [
        [
          'alone',
          'IP camera',
          fmt(r.alone.ip.fpsIn),
          fmt(r.alone.ip.fps),
          fmt(r.alone.ip.serverCpuMsPerFrame, ' ms'),
          fmt(r.alone.ip.ffmpegCpuMsPerFrame, ' ms'),
        ],
        ['alone', 'socket camera', fmt(f.settings.cameraFps), fmt(r.alone.socket.fps), fmt(r.alone.socket.serverCpuMsPerFrame, ' ms'), '–'],
        [
          'together',
          'IP camera',
          fmt(r.together.ip.fpsIn),
          fmt(r.together.ip.fps),
          `${fmt(r.together.serverCpuMsPerFrame, ' ms')} (both)`,
          fmt(r.together.ip.ffmpegCpuMsPerFrame, ' ms'),
        ],
        ['together', 'socket camera', fmt(f.settings.cameraFps), fmt(r.together.socket.fps), `${fmt(r.together.serverCpuMsPerFrame, ' ms')} (both)`, '–'],
      ],
    ),
  ].join('\n');
}
