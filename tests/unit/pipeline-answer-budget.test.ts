// A frame whose embedding takes longer than 3/4 of the client's frame gap (at least 50 ms, what a 15 fps camera's frame
// waits) is answered without waiting for it (issue 20): the new track is shown pending meanwhile, frames in between are
// answered by prediction, and the name arrives on the first frame after the embedding is done. A slow client, an
// enrolment view and a camera that requires liveness still wait.
// The analyzer is a stand-in whose embeddings finish only when the test says so; the pipeline, tracker and voting are
// the server's own.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Match } from '../../src/server/gallery/gallery.js';
import { createMatchPolicy } from '../../src/server/recognition/match-policy.js';
import { FramePipeline, trackerOptionsOf, type FrameOutcome } from '../../src/server/recognition/pipeline.js';
import type { AnalyzeResult, FaceAnalyzer } from '../../src/server/vision/analyzer.js';
import type { FaceEmbedding } from '../../src/server/vision/embedder.js';
import { testConfig } from '../helpers/server.js';

// Only its header is read (a predicted frame's size); the stand-in analyzer never decodes it.
const JPEG = new Uint8Array(fs.readFileSync(new URL('../fixtures/faces/Guido_van_Rossum/3.jpg', import.meta.url)));
const GUIDO: Match = { personId: 'p-guido', name: 'Guido van Rossum', score: 0.95 };
const BOX = { x: 200, y: 120, width: 160, height: 160 };

/** Embeddings wait for `finish()` unless `auto`; `inView` says whether the frame shows the face. */
function slowAnalyzer() {
  const pending: (() => void)[] = [];
  const state = { auto: false, inView: true };
  const embedding = (): FaceEmbedding => ({
    embedding: new Float32Array(4).fill(0.5),
    chip: new Uint8Array(150 * 150 * 3),
    landmarks: [],
    mesh: { confirmed: true, box: BOX, pose: { yaw: 0, pitch: 0, roll: 0 } },
  });
  const analyzer = {
    backend: 'stand-in',
    tfVersion: 'x',
    modelId: 'm',
    dims: 4,
    models: [],
    tensorCount: () => 0,
    async analyze(): Promise<AnalyzeResult> {
      return {
        ok: true,
        frame: {
          width: 640,
          height: 480,
          faces: state.inView ? [{ box: BOX, score: 0.99, pose: { yaw: 0, pitch: 0, roll: 0 } }] : [],
          timings: { decode: 0, detect: 0 },
          embed: async (indices: number[]) => {
            if (!state.auto) await new Promise<void>((resolve) => pending.push(resolve));
            return indices.map(embedding);
          },
          spoof: async (indices: number[]) => indices.map(() => ({ real: 0.99 })),
          release() {},
        },
      } as unknown as AnalyzeResult;
    },
  } as unknown as FaceAnalyzer;
  return {
    analyzer,
    state,
    finish: () => pending.splice(0).forEach((resolve) => resolve()),
    waiting: () => pending.length,
  };
}

function pipelineFor(analyzer: FaceAnalyzer, requireLive = false) {
  const c = testConfig();
  return new FramePipeline(
    {
      analyzer,
      gallery: { search: () => [GUIDO] },
      policy: createMatchPolicy({ threshold: 0.8, requireLive, minSpoof: c.LIVENESS_MIN_SPOOF, enrolDuplicateThreshold: 0 }),
    },
    { maxFramePixels: c.MAX_FRAME_PIXELS, detectIntervalMs: 200, tracker: trackerOptionsOf(c) },
  );
}

function shown(out: FrameOutcome) {
  if (!out.ok) throw new Error(out.message);
  return { predicted: out.predicted, names: out.tracks.map((t) => t.name) };
}

/** Frame `i` of a client sending every `gapMs` (capture and receive clocks alike). */
const framesEvery = (gapMs: number) => (i: number) => ({ jpeg: JPEG, seq: i, captureTime: i * gapMs, receivedAt: 10_000 + i * gapMs });

/** Resolves with the frame's outcome, or with 'waiting' if it is still unanswered after `ms` of real time. */
async function answeredWithin(p: Promise<FrameOutcome>, ms: number): Promise<FrameOutcome | 'waiting'> {
  return Promise.race([p, new Promise<'waiting'>((r) => setTimeout(() => r('waiting'), ms))]);
}

describe('a frame is answered within the client’s frame gap', () => {
  it('a 15 fps camera gets its answer while the new face is still being embedded, and the name on the first frame after', async () => {
    const slow = slowAnalyzer();
    const pipeline = pipelineFor(slow.analyzer);
    const frame = framesEvery(1000 / 15);
    // The first frame: no frame gap known yet, so it waits for its embedding, as before.
    slow.state.auto = true;
    expect(shown(await pipeline.process(frame(0)))).toEqual({ predicted: false, names: ['Guido van Rossum'] });
    slow.state.auto = false;
    // The client's frames arrive 67 ms apart. The frames that embed (the track's vote window is not full) are answered
    // after at most 3/4 of that gap (50 ms), with what the earlier votes showed, while their embedding goes on.
    const f1 = await answeredWithin(pipeline.process(frame(1)), 2_000);
    expect(f1).not.toBe('waiting');
    expect(shown(f1 as FrameOutcome).predicted).toBe(false);
    expect(slow.waiting()).toBe(1); // still embedding
    // The next frame, within DETECT_INTERVAL_MS of the last detection, is answered by prediction once it has waited as
    // long for that embedding. The track is still gathering its votes, so its predicted box shows no name (tracker.ts
    // coast(): a prediction the tracker would not have chosen to make carries no name).
    expect(shown(await pipeline.process(frame(2)))).toEqual({ predicted: true, names: [null] });
    slow.finish();
    await pipeline.idle();
    // Detection resumes once the embedding is done; the votes it cast count.
    slow.state.auto = true;
    const f3 = shown(await pipeline.process(frame(3)));
    expect(f3).toEqual({ predicted: false, names: ['Guido van Rossum'] });
  });

  it('a face entering a fast camera is pending until its embedding lands, never named before its own vote', async () => {
    const slow = slowAnalyzer();
    const pipeline = pipelineFor(slow.analyzer);
    const frame = framesEvery(1000 / 15);
    slow.state.inView = false;
    expect(shown(await pipeline.process(frame(0))).names).toEqual([]);
    slow.state.inView = true;
    const entered = await answeredWithin(pipeline.process(frame(1)), 2_000);
    expect(entered).not.toBe('waiting');
    expect(shown(entered as FrameOutcome)).toEqual({ predicted: false, names: [null] });
    expect(shown(await pipeline.process(frame(2)))).toEqual({ predicted: true, names: [null] });
    slow.finish();
    await pipeline.idle();
    // The next frame is detected (the track is still gathering votes) and shows the name its vote gave.
    slow.state.auto = true;
    expect(shown(await pipeline.process(frame(3)))).toEqual({ predicted: false, names: ['Guido van Rossum'] });
  });

  it('a client that sends each frame once the last is answered waits as long as a 15 fps camera, not its own tiny gap', async () => {
    // Its frame gap measures the server's answers (predicted ones take a few ms): a budget that small once left two
    // faces side by side withheld on every detected frame (bench/heldout-client.ts --pace flood).
    const slow = slowAnalyzer();
    const pipeline = pipelineFor(slow.analyzer);
    const frame = framesEvery(5);
    slow.state.auto = true;
    await pipeline.process(frame(0));
    slow.state.auto = false;
    const answer = pipeline.process(frame(1));
    expect(await answeredWithin(answer, 30)).toBe('waiting'); // 3/4 of 5 ms would have answered by now
    const out = await answeredWithin(answer, 2_000); // ...and 3/4 of a 15 fps frame (50 ms) later it is answered
    expect(out).not.toBe('waiting');
    slow.finish();
  });

  it('a slow client, an enrolment view and a camera that requires liveness wait for the embedding', async () => {
    const enrolling = { collecting: true, check: () => ({ ok: true }), report() {} };
    for (const setup of ['slow client', 'enrolment', 'requires liveness'] as const) {
      const slow = slowAnalyzer();
      const pipeline = pipelineFor(slow.analyzer, setup === 'requires liveness');
      const frame = framesEvery(setup === 'slow client' ? 1000 : 1000 / 15);
      const opts = setup === 'enrolment' ? { enrolment: enrolling } : {};
      slow.state.auto = true;
      await pipeline.process(frame(0), opts);
      slow.state.auto = false;
      const answer = pipeline.process(frame(1), opts);
      // Well past a 15 fps frame gap and still waiting: the frame's overlay will carry its vote.
      expect(await answeredWithin(answer, setup === 'slow client' ? 300 : 150), setup).toBe('waiting');
      slow.finish();
      expect(shown(await answer).predicted, setup).toBe(false);
    }
  });
});
