// Unit tests for the metrics registry and the inference scheduler's priorities (import layout: tests/unit/imports.test.ts).
import { describe, expect, it } from 'vitest';
import { Counter, Histogram, LiveMetrics, Registry } from '../../src/server/metrics.js';
import type { FaceAnalyzer } from '../../src/server/vision/analyzer.js';
import { createScheduler, InferenceBusyError } from '../../src/server/vision/scheduler.js';

describe('metrics registry', () => {
  it('renders counters and cumulative histograms in Prometheus text format', async () => {
    const r = new Registry();
    const c = r.add(new Counter('x_total', 'X.', ['code']));
    c.inc({ code: 'a' });
    c.inc({ code: 'a' }, 2);
    const h = r.add(new Histogram('lat_seconds', 'Latency.', [0.1, 1], ['stage']));
    h.observe(0.05, { stage: 'detect' });
    h.observe(0.5, { stage: 'detect' });
    h.observe(5, { stage: 'detect' });
    const text = await r.render();
    expect(text).toContain('# TYPE x_total counter\nx_total{code="a"} 3');
    // prom-client writes `le` first; the order of labels means nothing to Prometheus.
    expect(text).toContain('lat_seconds_bucket{le="0.1",stage="detect"} 1');
    expect(text).toContain('lat_seconds_bucket{le="1",stage="detect"} 2');
    expect(text).toContain('lat_seconds_bucket{le="+Inf",stage="detect"} 3');
    expect(text).toContain('lat_seconds_count{stage="detect"} 3');
  });

  it('counts frames, stage times and drops from overlays a session sends', async () => {
    const m = new LiveMetrics(new Registry());
    const sent: unknown[] = [];
    const sock = m.observe({ send: (x) => sent.push(x), close() {}, bufferedAmount: 0 });
    const overlay = (dropped: number) => ({
      type: 'overlay' as const,
      seq: 1,
      captureTime: 0,
      width: 1,
      height: 1,
      tracks: [],
      timings: { queue: 1, decode: 2, detect: 30, embed: 10, total: 45 },
      stats: { received: 5, processed: 1, dropped },
    });
    sock.send(overlay(1));
    sock.send(overlay(3));
    sock.send({ type: 'error', code: 'bad_image', message: 'x' });
    expect(sent).toHaveLength(3);
    const text = await m.registry.render();
    expect(text).toContain('facestream_frames_total 2');
    expect(text).toContain('facestream_frames_dropped_total 3');
    expect(text).toContain('facestream_protocol_errors_total{code="bad_image"} 1');
    expect(text).toContain('facestream_frame_stage_seconds_count{stage="detect"} 2');
  });
});

describe('inference scheduler', () => {
  it('runs one step at a time and lets live work overtake queued bulk work', async () => {
    const fake = { backend: 'x', tfVersion: 'x', modelId: 'm', dims: 1, models: [], tensorCount: () => 0 } as unknown as FaceAnalyzer;
    const s = createScheduler([fake]);
    const order: string[] = [];
    let running = 0;
    const step = (name: string) => async () => {
      running += 1;
      expect(running).toBe(1);
      await new Promise((r) => setTimeout(r, 5));
      order.push(name);
      running -= 1;
    };
    const first = s.run('interactive', step('i1'));
    const bulk = [s.run('bulk', step('b1')), s.run('bulk', step('b2'))];
    await new Promise((r) => setImmediate(r));
    const live = s.run('live', step('l1'));
    await Promise.all([first, ...bulk, live]);
    expect(order[0]).toBe('i1');
    expect(order.indexOf('l1')).toBeLessThan(order.indexOf('b2'));
    expect(s.stats()).toEqual({ waiting: { live: 0, interactive: 0, bulk: 0 }, busy: false, sessionsPerSlot: [0] });
  });

  it('refuses a REST or import step past its queue limit at once, never a live one or the second step of a call let in', async () => {
    const fake = { backend: 'x', tfVersion: 'x', modelId: 'm', dims: 1, models: [], tensorCount: () => 0 } as unknown as FaceAnalyzer;
    const s = createScheduler([fake], { interactive: 2, bulk: 1 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const running = s.run('live', () => gate);
    const waiting = [s.run('interactive', async () => 'i1'), s.run('interactive', async () => 'i2')];
    await expect(s.run('interactive', async () => 'i3')).rejects.toMatchObject({ priority: 'interactive', limit: 2, retryAfterS: 1 });
    const bulk = s.run('bulk', async () => 'b1');
    await new Promise((r) => setImmediate(r));
    const refused = await s.run('bulk', async () => 'b2').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(InferenceBusyError);
    expect((refused as Error).message).toMatch(/import \(INFERENCE_QUEUE_IMPORT\) is full \(1 waiting\)/);
    // Live frames are bounded per session elsewhere: never refused here.
    const live = [s.run('live', async () => 'l1'), s.run('live', async () => 'l2'), s.run('live', async () => 'l3')];
    expect(s.stats().waiting).toEqual({ live: 3, interactive: 2, bulk: 1 });
    release();
    expect(await Promise.all([running, ...waiting, bulk, ...live])).toEqual([undefined, 'i1', 'i2', 'b1', 'l1', 'l2', 'l3']);
    // Drained: the queue takes calls again.
    expect(await s.run('interactive', async () => 'again')).toBe('again');
  });

  const fakeAnalyzer = (name: string) => {
    const log: string[] = [];
    const analyzer = {
      backend: name,
      tfVersion: 'x',
      modelId: 'm',
      dims: 1,
      models: [],
      tensorCount: () => 0,
      async analyze(bytes: Uint8Array) {
        await new Promise((r) => setTimeout(r, 2));
        log.push(String.fromCharCode(bytes[0]!));
        return { ok: false, code: 'bad_image', message: 'fake' };
      },
    } as unknown as FaceAnalyzer;
    return { analyzer, log };
  };

  it('shares one slot fairly: a session with one frame waits for one step of a busy session, not all of them', async () => {
    const { analyzer, log } = fakeAnalyzer('one');
    const s = createScheduler([analyzer]);
    const heavy = s.lane('heavy');
    const light = s.lane('light');
    const frame = (c: string) => new Uint8Array([c.charCodeAt(0)]);
    const work = ['1', '2', '3', '4', '5'].map(() => heavy.analyzer.analyze(frame('H'), 1));
    await new Promise((r) => setImmediate(r));
    work.push(light.analyzer.analyze(frame('L'), 1));
    await Promise.all(work);
    // H1 found the slot free; H2 was queued before L, so it goes next; then L, not after all of H's frames.
    expect(log.join('')).toBe('HHLHHH');
  });

  it('sends each frame to the least loaded analyzer, so no camera waits while another thread is free', async () => {
    const a = fakeAnalyzer('a');
    const b = fakeAnalyzer('b');
    const s = createScheduler([a.analyzer, b.analyzer]);
    const lanes = [s.lane('1'), s.lane('2'), s.lane('3')];
    const frame = (c: string) => new Uint8Array([c.charCodeAt(0)]);
    // Two frames at once: one on each thread, not both on the first.
    await Promise.all([lanes[0]!.analyzer.analyze(frame('1'), 1), lanes[1]!.analyzer.analyze(frame('2'), 1)]);
    expect([a.log, b.log]).toEqual([['1'], ['2']]);
    expect(s.stats().sessionsPerSlot).toEqual([1, 1]);
    // Nothing queued: a session stays where its last frame ran.
    await lanes[1]!.analyzer.analyze(frame('2'), 1);
    expect(b.log).toEqual(['2', '2']);
    // The reconnect case that pinned sessions used to get wrong: thread a is held by a long step (a bulk import or
    // another camera's embedding); every session's frame goes to b, wherever that session ran before.
    let release!: () => void;
    const held = s.run('interactive', () => new Promise<void>((r) => (release = r)));
    await lanes[0]!.analyzer.analyze(frame('1'), 1);
    await lanes[2]!.analyzer.analyze(frame('3'), 1);
    expect(a.log).toEqual(['1']);
    expect(b.log).toEqual(['2', '2', '1', '3']);
    release();
    await held;
    expect(s.stats().sessionsPerSlot).toEqual([0, 3]);
    lanes[0]!.release();
    lanes[0]!.release(); // twice is once
    expect(s.stats().sessionsPerSlot).toEqual([0, 2]);
  });

  it('takes a thread added later: live frames use it when the first is busy, and bulk work moves to it', async () => {
    const a = fakeAnalyzer('a');
    const b = fakeAnalyzer('b');
    const s = createScheduler([a.analyzer]);
    const lane = s.lane('cam');
    const frame = new Uint8Array([67]);
    await lane.analyzer.analyze(frame, 1);
    s.addAnalyzer(b.analyzer);
    expect(s.stats().sessionsPerSlot).toEqual([1, 0]);
    let release!: () => void;
    const held = s.run('interactive', () => new Promise<void>((r) => (release = r))); // REST keeps the first thread
    await lane.analyzer.analyze(frame, 1);
    await s.embedAll(new Uint8Array([73]), 1, 'bulk');
    release();
    await held;
    expect([a.log, b.log]).toEqual([['C'], ['C', 'I']]);
    expect(s.steps().map((r) => r.bulk)).toEqual([0, 1]);
  });

  it("keeps a frame's embedding on the analyzer that detected it, whatever the load", async () => {
    const embedsOn: string[] = [];
    const detector = (name: string) =>
      ({
        backend: name,
        tfVersion: 'x',
        modelId: 'm',
        dims: 1,
        models: [],
        tensorCount: () => 0,
        async analyze() {
          return { ok: true, frame: { width: 1, height: 1, faces: [], release() {}, embed: async () => void embedsOn.push(name), spoof: async () => [] } };
        },
      }) as unknown as FaceAnalyzer;
    const s = createScheduler([detector('a'), detector('b')]);
    const lane = s.lane('cam');
    const result = await lane.analyzer.analyze(new Uint8Array([1]), 1);
    if (!result.ok) throw new Error('expected a frame');
    // Thread a is now busy, b idle: the embed still runs on a, where the frame's tensors are.
    let release!: () => void;
    const held = s.run('interactive', () => new Promise<void>((r) => (release = r)));
    const embedding = result.frame.embed([0]);
    release();
    await Promise.all([held, embedding]);
    expect(embedsOn).toEqual(['a']);
  });
});
