// Unit tests for the browser client's pure parts: track labels, box scaling, drawing calls, in-flight accounting, fps and latency.
import { describe, expect, it } from 'vitest';
import type { Overlay, Track } from '../../src/shared/protocol.js';
import { wsSubprotocols } from '../../src/shared/protocol.js';
import { backoffDelay, retryAfterMs, wsUrlFor } from '../../src/client/connection.js';
import { drawOverlay, labelFor, NOT_LIVE_COLOR, scaleBox, scoreTooltip, STATE_COLORS, trackColor } from '../../src/client/overlay.js';
import type { OverlayContext } from '../../src/client/overlay.js';
import { InFlight, LatencyWindow, RateMeter } from '../../src/client/streamer.js';

const track = (over: Partial<Track> = {}): Track => ({
  id: 3,
  box: [10, 20, 100, 120],
  personId: 'p-1',
  name: 'Ada',
  score: 0.9312,
  state: 'recognized',
  ...over,
});

describe('labelFor', () => {
  it('shows name, score to 2 decimals and id when recognized', () => {
    expect(labelFor(track())).toBe('Ada 0.93 #3');
  });
  it('shows "unknown" without the best score, which would read as a percentage match; the tooltip has it with the threshold', () => {
    expect(labelFor(track({ state: 'unknown', name: null, personId: null, score: 0.406 }))).toBe('unknown #3');
    expect(scoreTooltip({ state: 'unknown', score: 0.856 }, 0.9403)).toBe('closest enrolled person: similarity 0.86; a match needs 0.94');
    expect(scoreTooltip({ state: 'unknown', score: null }, 0.9403)).toMatch(/gallery may be empty/);
  });
  it('shows names only without debug (the kiosk)', () => {
    expect(labelFor(track(), { debug: false })).toBe('Ada');
    expect(labelFor(track({ state: 'unknown', score: 0.5 }), { debug: false })).toBe('unknown');
  });
  it('shows an ellipsis while pending', () => {
    expect(labelFor(track({ state: 'pending', name: null, personId: null, score: null, id: 7 }))).toBe('… #7');
  });
  it('says "not live" for a track the presentation-attack stage refused, in red, on the kiosk too', () => {
    const refused = track({ state: 'unknown', name: null, personId: null, score: 0.88, liveOk: false });
    expect(labelFor(refused)).toBe('not live #3');
    expect(labelFor(refused, { debug: false })).toBe('not live');
    expect(labelFor(track({ state: 'pending', name: null, personId: null, score: null, liveOk: false }))).toBe('not live #3');
    expect(labelFor(track({ liveOk: false }), { debug: false })).toBe('Ada · not live');
    expect(trackColor(refused)).toBe(NOT_LIVE_COLOR);
    expect(trackColor(track({ liveOk: true }))).toBe(STATE_COLORS.recognized);
    expect(trackColor(track({ state: 'unknown' }))).toBe(STATE_COLORS.unknown);
  });
  it('omits a missing score', () => {
    expect(labelFor(track({ state: 'unknown', score: null }))).toBe('unknown #3');
    expect(labelFor(track({ score: null }))).toBe('Ada #3');
  });
});

describe('scaleBox', () => {
  it('is the identity when canvas and frame have the same size', () => {
    expect(scaleBox([10, 20, 30, 40], 640, 480, 640, 480)).toEqual([10, 20, 30, 40]);
  });
  it('scales uniformly when aspect ratios match', () => {
    expect(scaleBox([10, 20, 30, 40], 640, 480, 1280, 960)).toEqual([20, 40, 60, 80]);
    expect(scaleBox([64, 48, 320, 240], 640, 480, 320, 240)).toEqual([32, 24, 160, 120]);
  });
  it('letterboxes like object-fit: contain when the canvas is wider', () => {
    // 640x480 in 1000x480: scale 1, 180 px bars left and right.
    expect(scaleBox([0, 0, 640, 480], 640, 480, 1000, 480)).toEqual([180, 0, 640, 480]);
  });
  it('pillarboxes when the canvas is taller', () => {
    // 640x480 in 320x480: scale 0.5, frame is 320x240 centred vertically (120 px bars).
    expect(scaleBox([100, 100, 40, 40], 640, 480, 320, 480)).toEqual([50, 170, 20, 20]);
  });
  it('leaves the box alone for a degenerate frame size', () => {
    expect(scaleBox([1, 2, 3, 4], 0, 0, 100, 100)).toEqual([1, 2, 3, 4]);
  });
});

function recorder() {
  const calls: Array<[string, ...unknown[]]> = [];
  const ctx = {
    lineWidth: 1,
    strokeStyle: '' as string | CanvasGradient | CanvasPattern,
    fillStyle: '' as string | CanvasGradient | CanvasPattern,
    font: '',
    textBaseline: 'alphabetic' as CanvasTextBaseline,
    clearRect: (...a: number[]) => void calls.push(['clearRect', ...a]),
    strokeRect(...a: number[]) {
      calls.push(['strokeRect', this.strokeStyle, ...a]);
    },
    fillRect: (...a: number[]) => void calls.push(['fillRect', ...a]),
    fillText: (text: string, x: number, y: number) => void calls.push(['fillText', text, x, y]),
    measureText: (text: string) => ({ width: text.length * 8 }) as TextMetrics,
  };
  return { ctx: ctx as unknown as OverlayContext, calls };
}

const overlay = (tracks: Track[]): Overlay => ({
  type: 'overlay',
  seq: 1,
  captureTime: 0,
  width: 640,
  height: 480,
  tracks,
  timings: { queue: 0, decode: 0, detect: 0, embed: 0, total: 0 },
  stats: { received: 1, processed: 1, dropped: 0 },
});

describe('drawOverlay', () => {
  it('only clears the canvas when there is no overlay', () => {
    const { ctx, calls } = recorder();
    drawOverlay(ctx, null, 320, 240);
    expect(calls).toEqual([['clearRect', 0, 0, 320, 240]]);
  });
  it('draws each box scaled, in its state colour, with its label', () => {
    const { ctx, calls } = recorder();
    drawOverlay(ctx, overlay([track(), track({ id: 4, state: 'pending', box: [320, 240, 64, 64] })]), 320, 240);
    const strokes = calls.filter((c) => c[0] === 'strokeRect');
    expect(strokes).toEqual([
      ['strokeRect', STATE_COLORS.recognized, 5, 10, 50, 60],
      ['strokeRect', STATE_COLORS.pending, 160, 120, 32, 32],
    ]);
    expect(calls.filter((c) => c[0] === 'fillText').map((c) => c[1])).toEqual(['Ada 0.93 #3', '… #4']);
  });
  it('flips boxes for a mirrored video, leaving the label text readable', () => {
    const { ctx, calls } = recorder();
    // frame 640 wide drawn at half size: a box at x 10..110 of the frame is at 530..630 mirrored, 265..315 on the canvas
    drawOverlay(ctx, overlay([track({ box: [10, 20, 100, 120] })]), 320, 240, { mirror: true, debug: false });
    expect(calls.find((c) => c[0] === 'strokeRect')).toEqual(['strokeRect', STATE_COLORS.recognized, 265, 10, 50, 60]);
    expect(calls.filter((c) => c[0] === 'fillText').map((c) => c[1])).toEqual(['Ada']);
  });
  it('keeps labels inside the canvas', () => {
    const { ctx, calls } = recorder();
    drawOverlay(ctx, overlay([track({ box: [600, 0, 40, 40] })]), 640, 480);
    const [, x, y, w] = calls.find((c) => c[0] === 'fillRect') as [string, number, number, number, number];
    expect(x).toBeGreaterThanOrEqual(0);
    expect(x + w).toBeLessThanOrEqual(640);
    expect(y).toBeGreaterThanOrEqual(0);
  });
});

describe('InFlight', () => {
  it('counts frames until an overlay answers them and everything before', () => {
    const f = new InFlight(2000);
    f.add(1, 0);
    f.add(2, 10);
    f.add(3, 20);
    expect(f.count(30)).toBe(3);
    expect(f.canSend(2, 30)).toBe(false);
    f.answer(2); // answers 1 and 2
    expect(f.count(40)).toBe(1);
    expect(f.canSend(2, 40)).toBe(true);
  });
  it('an answer for a later seq (server dropped older frames) clears them all', () => {
    const f = new InFlight();
    for (let s = 1; s <= 4; s++) f.add(s, s);
    f.answer(4);
    expect(f.count(10)).toBe(0);
  });
  it('forgets frames older than the max age so a dropped frame never stalls', () => {
    const f = new InFlight(2000);
    f.add(1, 0);
    f.add(2, 1500);
    expect(f.canSend(2, 1600)).toBe(false);
    expect(f.count(2001)).toBe(1);
    expect(f.canSend(2, 2001)).toBe(true);
    expect(f.expire(5000)).toBe(1);
  });
  it('always allows one frame even with a limit of 0', () => {
    expect(new InFlight().canSend(0, 0)).toBe(true);
  });
});

describe('RateMeter', () => {
  it('measures events per second over a sliding window and decays to 0', () => {
    const r = new RateMeter(2000);
    for (let t = 0; t <= 2000; t += 100) r.tick(t); // 10 per second
    expect(r.rate(2000)).toBeCloseTo(10, 5);
    expect(r.rate(4500)).toBe(0);
  });
  it('is 0 with fewer than two events', () => {
    const r = new RateMeter();
    expect(r.rate(0)).toBe(0);
    r.tick(0);
    expect(r.rate(10)).toBe(0);
  });
});

describe('LatencyWindow', () => {
  it('reports the median of the last 30 samples', () => {
    const l = new LatencyWindow(30);
    expect(l.p50()).toBeNull();
    for (let i = 1; i <= 3; i++) l.add(i * 10);
    expect(l.p50()).toBe(20);
    l.add(1000);
    expect(l.p50()).toBe(25);
    for (let i = 0; i < 30; i++) l.add(50);
    expect(l.p50()).toBe(50);
  });
});

describe('connection helpers', () => {
  it('derives the WebSocket URL from the page', () => {
    expect(wsUrlFor({ protocol: 'http:', host: 'localhost:8080' })).toBe('ws://localhost:8080/ws');
    expect(wsUrlFor({ protocol: 'https:', host: 'cam.example' })).toBe('wss://cam.example/ws');
    // The key never goes on the URL: it is offered as a subprotocol, after the protocol the server answers with.
    expect(wsSubprotocols('fsk_abc-_9')).toEqual(['facestream.v1', 'facestream.key.fsk_abc-_9']);
    expect(wsSubprotocols(null)).toEqual(['facestream.v1']);
  });
  it('backs off from 0.5 s doubling up to 5 s', () => {
    expect([0, 1, 2, 3, 4, 5].map((a) => backoffDelay(a))).toEqual([500, 1000, 2000, 4000, 5000, 5000]);
  });
  it('waits as long as a 1013 close asks, and only then', () => {
    expect(retryAfterMs(1013, 'too many wrong API keys from this address; retry in 42 s')).toBe(42_000);
    expect(retryAfterMs(1013, 'try again later')).toBeNull();
    expect(retryAfterMs(4003, 'unknown or revoked API key; retry in 42 s')).toBeNull();
  });
});
