// /metrics on prom-client: process metrics, gauges read at scrape time, and the live counters read off session messages.
import { OpenAPIHono } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import type { App, AppEnv } from '../../src/server/http/context.js';
import { ApiError, errorHandler, errorResponse } from '../../src/server/http/errors.js';
import { mountHealth, type HealthDeps } from '../../src/server/http/health.js';
import { silentLogger } from '../../src/server/log.js';
import { EventMetrics, Gauge, LiveMetrics, Registry } from '../../src/server/metrics.js';
import type { ServerMessage, Track } from '../../src/shared/protocol.js';

const track = (id: number, state: Track['state'], personId: string | null): Track => ({
  id,
  box: [0, 0, 10, 10],
  personId,
  name: personId,
  score: 0.95,
  state,
});
const overlay = (tracks: Track[]): ServerMessage => ({
  type: 'overlay',
  seq: 1,
  captureTime: 0,
  width: 1,
  height: 1,
  tracks,
  timings: { queue: 1, decode: 2, detect: 30, embed: 10, total: 45 },
  stats: { received: 1, processed: 1, dropped: 0 },
});
/** The value of one sample line, `name{labels} value`, or undefined when the registry has no such line. */
const sample = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('metrics on prom-client', () => {
  it('exposes the process default metrics unless asked not to', async () => {
    const text = await new Registry().render();
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect(await new Registry({ processMetrics: false }).render()).not.toContain('process_cpu_user_seconds_total');
  });

  it('reads gauges at each scrape and forgets label sets that are gone', async () => {
    const r = new Registry({ processMetrics: false });
    let waiting: [Record<string, string>, number][] = [
      [{ priority: 'live' }, 2],
      [{ priority: 'bulk' }, 5],
    ];
    r.add(new Gauge('q', 'Queue.', () => waiting, ['priority']));
    let sessions = 3;
    r.add(new Gauge('s', 'Sessions.', () => sessions));
    let text = await r.render();
    expect([sample(text, 'q{priority="live"}'), sample(text, 'q{priority="bulk"}'), sample(text, 's')]).toEqual([2, 5, 3]);
    waiting = [[{ priority: 'live' }, 1]];
    sessions = 0;
    text = await r.render();
    expect([sample(text, 'q{priority="live"}'), sample(text, 'q{priority="bulk"}'), sample(text, 's')]).toEqual([1, undefined, 0]);
  });

  it("counts a recognition once per track and person, again when the track's person changes, never for unknown or pending", async () => {
    const m = new LiveMetrics(new Registry({ processMetrics: false }));
    const a = m.observe({ send() {}, close() {}, bufferedAmount: 0 });
    const b = m.observe({ send() {}, close() {}, bufferedAmount: 0 });
    a.send(overlay([track(1, 'pending', null), track(2, 'unknown', null)]));
    a.send(overlay([track(1, 'recognized', 'ada'), track(2, 'unknown', null)]));
    a.send(overlay([track(1, 'recognized', 'ada')]));
    a.send(overlay([])); // the track is missed for a frame, then comes back: still the same recognition
    a.send(overlay([track(1, 'recognized', 'ada'), track(3, 'recognized', 'bob')]));
    a.send(overlay([track(1, 'recognized', 'cy')]));
    // Another session's track 1 is another face.
    b.send(overlay([track(1, 'recognized', 'ada')]));
    expect(sample(await m.registry.render(), 'facestream_recognitions_total')).toBe(4);
  });

  it('counts enrolments by result and refused views by gate', async () => {
    const m = new LiveMetrics(new Registry({ processMetrics: false }));
    const sent: ServerMessage[] = [];
    const s = m.observe({ send: (x) => sent.push(x), close() {}, bufferedAmount: 0 });
    const progress = (accepted: boolean, code: 'too_small' | 'blurry' | null): ServerMessage => ({
      type: 'enrol.progress',
      seq: 1,
      collected: 0,
      required: 3,
      accepted,
      reason: code,
      code,
    });
    s.send(progress(false, 'too_small'));
    s.send(progress(false, 'too_small'));
    s.send(progress(false, 'blurry'));
    s.send(progress(true, null));
    s.send({ type: 'enrol.done', personId: 'p', name: 'Ada', faces: 3, created: true });
    s.send({ type: 'enrol.done', personId: 'p', name: 'Ada', faces: 2, created: false });
    s.send({ type: 'enrol.cancelled', reason: 'x', code: 'timeout' });
    s.send({ type: 'enrol.cancelled', reason: 'x' });
    expect(sent).toHaveLength(8);
    const text = await m.registry.render();
    expect(sample(text, 'facestream_enrolment_refusals_total{gate="too_small"}')).toBe(2);
    expect(sample(text, 'facestream_enrolment_refusals_total{gate="blurry"}')).toBe(1);
    for (const [result, n] of [
      ['created', 1],
      ['added', 1],
      ['timeout', 1],
      ['cancelled', 1],
    ] as const) {
      expect(sample(text, `facestream_enrolments_total{result="${result}"}`)).toBe(n);
    }
  });

  it('has counters for check-ins and unknown sightings', async () => {
    const r = new Registry({ processMetrics: false });
    const e = new EventMetrics(r);
    e.checkIns.inc();
    e.checkIns.inc();
    e.unknownSightings.inc();
    const text = await r.render();
    expect([sample(text, 'facestream_checkins_total'), sample(text, 'facestream_unknown_sightings_total')]).toEqual([2, 1]);
  });

  it('counts REST requests by status and error responses by their code, read off the JSON body', async () => {
    const registry = new Registry({ processMetrics: false });
    const app: App = new OpenAPIHono<AppEnv>();
    // mountHealth's gauges read these at scrape time; the rest of the deps are not touched by what this test asks.
    const deps = {
      metrics: registry,
      sessions: () => 0,
      gallery: { stats: () => ({ people: 0, faces: 0 }) },
      scheduler: { stats: () => ({ waiting: { live: 0, interactive: 0, bulk: 0 }, busy: false, sessionsPerSlot: [0] }), steps: () => [] },
    } as unknown as HealthDeps;
    mountHealth(app, deps);
    app.get('/missing', (c) => errorResponse(c, 'not_found', 'no such thing'));
    app.get('/broken', () => {
      throw new ApiError('duplicate_name', 'already there');
    });
    app.get('/fine', (c) => c.json({ error: 'not an error body' }, 200));
    app.onError(errorHandler(silentLogger));
    for (const path of ['/missing', '/missing', '/broken', '/fine']) await app.request(path);
    const text = await registry.render();
    expect(sample(text, 'facestream_http_errors_total{code="not_found"}')).toBe(2);
    expect(sample(text, 'facestream_http_errors_total{code="duplicate_name"}')).toBe(1);
    expect(text.split('\n').filter((l) => l.startsWith('facestream_http_errors_total{'))).toHaveLength(2);
    expect(sample(text, 'facestream_http_requests_total{method="GET",status="404"}')).toBe(2);
    expect(sample(text, 'facestream_http_requests_total{method="GET",status="200"}')).toBe(1);
  });
});
