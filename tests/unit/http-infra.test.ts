// Unit tests for the metrics registry, the inference scheduler's priorities and the bulk import layout rules.
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { planZip, personName } from '../../src/server/http/import-source.js';
import { Counter, Histogram, LiveMetrics, Registry } from '../../src/server/metrics.js';
import type { FaceAnalyzer } from '../../src/server/vision/analyzer.js';
import { createScheduler } from '../../src/server/vision/scheduler.js';

describe('metrics registry', () => {
  it('renders counters and cumulative histograms in Prometheus text format', () => {
    const r = new Registry();
    const c = r.add(new Counter('x_total', 'X.'));
    c.inc({ code: 'a' });
    c.inc({ code: 'a' }, 2);
    const h = r.add(new Histogram('lat_seconds', 'Latency.', [0.1, 1]));
    h.observe(0.05, { stage: 'detect' });
    h.observe(0.5, { stage: 'detect' });
    h.observe(5, { stage: 'detect' });
    const text = r.render();
    expect(text).toContain('# TYPE x_total counter\nx_total{code="a"} 3');
    expect(text).toContain('lat_seconds_bucket{stage="detect",le="0.1"} 1');
    expect(text).toContain('lat_seconds_bucket{stage="detect",le="1"} 2');
    expect(text).toContain('lat_seconds_bucket{stage="detect",le="+Inf"} 3');
    expect(text).toContain('lat_seconds_count{stage="detect"} 3');
  });

  it('counts frames, stage times and drops from overlays a session sends', () => {
    const m = new LiveMetrics(new Registry());
    const sent: unknown[] = [];
    const sock = m.observe({ send: (x) => sent.push(x), close() {}, bufferedAmount: 0 });
    const overlay = (dropped: number) => ({
      type: 'overlay' as const, seq: 1, captureTime: 0, width: 1, height: 1, tracks: [],
      timings: { queue: 1, decode: 2, detect: 30, embed: 10, total: 45 }, stats: { received: 5, processed: 1, dropped },
    });
    sock.send(overlay(1));
    sock.send(overlay(3));
    sock.send({ type: 'error', code: 'bad_image', message: 'x' });
    expect(sent).toHaveLength(3);
    const text = m.registry.render();
    expect(text).toContain('facestream_frames_total 2');
    expect(text).toContain('facestream_frames_dropped_total 3');
    expect(text).toContain('facestream_protocol_errors_total{code="bad_image"} 1');
    expect(text).toContain('facestream_frame_stage_seconds_count{stage="detect"} 2');
  });
});

describe('inference scheduler', () => {
  it('runs one step at a time and lets live work overtake queued bulk work', async () => {
    const fake = { backend: 'x', tfVersion: 'x', modelId: 'm', dims: 1, models: [], tensorCount: () => 0 } as unknown as FaceAnalyzer;
    const s = createScheduler(fake);
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
    expect(s.stats()).toEqual({ waiting: { live: 0, interactive: 0, bulk: 0 }, busy: false });
  });
});

describe('bulk import layout', () => {
  const img = new Uint8Array([0xff, 0xd8, 1, 2, 3]);
  it('groups <person>/<image>, strips one wrapping folder, skips hidden and _ folders, rejects bad layout', () => {
    const zip = zipSync({
      'faces/Barack_Obama/2.jpg': img,
      'faces/Barack_Obama/10.jpg': img,
      'faces/Barack_Obama/1.jpg': img,
      'faces/Amy/1.jpg': img,
      'faces/_group/x.jpg': img,
      'faces/.DS_Store': img,
    });
    const plan = planZip(zip, 1000);
    expect([...plan.people.keys()]).toEqual(['Amy', 'Barack Obama']);
    expect(plan.people.get('Barack Obama')!.map((i) => i.file)).toEqual(['faces/Barack_Obama/1.jpg', 'faces/Barack_Obama/2.jpg', 'faces/Barack_Obama/10.jpg']);
    expect(plan.rejected).toEqual([]);

    const flat = planZip(zipSync({ 'loose.jpg': img, 'Amy/1.jpg': img, 'Amy/big.jpg': new Uint8Array(2000) }), 1000);
    expect(flat.rejected.map((r) => [r.file, r.code])).toEqual([
      ['loose.jpg', 'bad_layout'],
      ['Amy/big.jpg', 'payload_too_large'],
    ]);
    expect(flat.people.get('Amy')).toHaveLength(1);
  });
  it('turns LFW folder names into names', () => {
    expect(personName('Guido_van_Rossum')).toBe('Guido van Rossum');
  });
});
