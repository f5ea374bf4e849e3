// The WebSocket protocol: binary frame header and the client/server JSON message schemas.
import { describe, expect, it } from 'vitest';
import {
  CLIENT_MESSAGE_TYPES,
  decodeFrame,
  encodeFrame,
  FRAME_HEADER_BYTES,
  FRAME_HEADER_VERSION,
  FRAME_MAGIC,
  parseClientMessage,
  ServerMessage,
} from '../../src/shared/protocol.js';

/** A fake JPEG: SOI marker, some bytes, EOI marker. The header codec only looks at the SOI. */
const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0xff, 0xd9]);

function expectFailure(result: ReturnType<typeof decodeFrame>, code: string) {
  expect(result.ok).toBe(false);
  if (!result.ok) {
    expect(result.code).toBe(code);
    expect(result.message.length).toBeGreaterThan(0);
  }
}

describe('frame header constants', () => {
  it('the magic spells "FR" and the header is 16 bytes', () => {
    expect(String.fromCharCode(FRAME_MAGIC >> 8, FRAME_MAGIC & 0xff)).toBe('FR');
    expect(FRAME_HEADER_BYTES).toBe(16);
  });
});

describe('encodeFrame / decodeFrame', () => {
  it('round-trips seq, capture time and the image bytes', () => {
    const captureTime = 1_716_000_000_123.5;
    const bytes = encodeFrame({ seq: 42, captureTime }, JPEG);
    expect(bytes.byteLength).toBe(16 + JPEG.byteLength);
    const decoded = decodeFrame(bytes);
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.header).toEqual({ seq: 42, captureTime });
    expect(Array.from(decoded.jpeg)).toEqual(Array.from(JPEG));
  });

  it('writes the documented big-endian layout', () => {
    const bytes = encodeFrame({ seq: 0x01020304, captureTime: 1 }, JPEG);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x46, 0x52, FRAME_HEADER_VERSION, 0, 1, 2, 3, 4]);
    // 1.0 as a big-endian float64: 3f f0 00 00 00 00 00 00
    expect(Array.from(bytes.subarray(8, 16))).toEqual([0x3f, 0xf0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(bytes.subarray(16))).toEqual(Array.from(JPEG));
  });

  it('keeps the full uint32 range of seq and wraps larger values', () => {
    const max = decodeFrame(encodeFrame({ seq: 0xffffffff, captureTime: 0 }, JPEG));
    expect(max.ok && max.header.seq).toBe(0xffffffff);
    const wrapped = decodeFrame(encodeFrame({ seq: 2 ** 32 + 5, captureTime: 0 }, JPEG));
    expect(wrapped.ok && wrapped.header.seq).toBe(5);
  });

  it('keeps fractional and negative capture times exactly', () => {
    for (const t of [0, -1.25, 1e-300, 8.64e15, Math.PI]) {
      const d = decodeFrame(encodeFrame({ seq: 1, captureTime: t }, JPEG));
      expect(d.ok && d.header.captureTime).toBe(t);
    }
  });

  it('decodes a frame that sits at an offset inside a bigger buffer (as Node Buffers do)', () => {
    const frame = encodeFrame({ seq: 7, captureTime: 99 }, JPEG);
    const big = new Uint8Array(frame.byteLength + 37);
    big.fill(0xaa);
    big.set(frame, 13);
    const view = big.subarray(13, 13 + frame.byteLength);
    const decoded = decodeFrame(view);
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.header).toEqual({ seq: 7, captureTime: 99 });
    expect(Array.from(decoded.jpeg)).toEqual(Array.from(JPEG));
    const fromNodeBuffer = decodeFrame(Buffer.concat([Buffer.alloc(3), Buffer.from(frame)]).subarray(3));
    expect(fromNodeBuffer.ok).toBe(true);
  });

  it('accepts the smallest frame: header plus 4 bytes', () => {
    const d = decodeFrame(encodeFrame({ seq: 1, captureTime: 2 }, new Uint8Array([0xff, 0xd8, 0xff, 0xd9])));
    expect(d.ok).toBe(true);
  });

  it('rejects a buffer shorter than header + 4 bytes as bad_frame', () => {
    const full = encodeFrame({ seq: 1, captureTime: 2 }, new Uint8Array([0xff, 0xd8, 0xff, 0xd9]));
    expectFailure(decodeFrame(full.subarray(0, 19)), 'bad_frame');
    expectFailure(decodeFrame(new Uint8Array(0)), 'bad_frame');
    expectFailure(decodeFrame(new Uint8Array(16)), 'bad_frame');
  });

  it('rejects a wrong magic as bad_frame', () => {
    const bytes = encodeFrame({ seq: 1, captureTime: 2 }, JPEG);
    bytes[0] = 0x47; // "GR"
    expectFailure(decodeFrame(bytes), 'bad_frame');
    const swapped = encodeFrame({ seq: 1, captureTime: 2 }, JPEG);
    swapped[0] = 0x52; // "RF": little-endian magic
    swapped[1] = 0x46;
    expectFailure(decodeFrame(swapped), 'bad_frame');
  });

  it('rejects another header version as bad_frame', () => {
    for (const version of [0, 2, 255]) {
      const bytes = encodeFrame({ seq: 1, captureTime: 2 }, JPEG);
      bytes[2] = version;
      const d = decodeFrame(bytes);
      expectFailure(d, 'bad_frame');
      if (!d.ok) expect(d.message).toContain(String(version));
    }
  });

  it('rejects a non-JPEG payload as bad_image', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expectFailure(decodeFrame(encodeFrame({ seq: 1, captureTime: 2 }, png)), 'bad_image');
    // Only the first byte of the SOI marker right.
    expectFailure(decodeFrame(encodeFrame({ seq: 1, captureTime: 2 }, new Uint8Array([0xff, 0xd9, 0, 0]))), 'bad_image');
  });

  it('rejects a capture time that is not finite as bad_frame', () => {
    expectFailure(decodeFrame(encodeFrame({ seq: 1, captureTime: NaN }, JPEG)), 'bad_frame');
    expectFailure(decodeFrame(encodeFrame({ seq: 1, captureTime: Infinity }, JPEG)), 'bad_frame');
    expectFailure(decodeFrame(encodeFrame({ seq: 1, captureTime: -Infinity }, JPEG)), 'bad_frame');
  });

  it('encodeFrame copies a JPEG that is itself a view into a bigger buffer', () => {
    const big = new Uint8Array([1, 2, 3, ...JPEG, 9, 9]);
    const view = big.subarray(3, 3 + JPEG.byteLength);
    const d = decodeFrame(encodeFrame({ seq: 3, captureTime: 4 }, view));
    expect(d.ok && Array.from(d.jpeg)).toEqual(Array.from(JPEG));
  });
});

function expectRejected(text: string, code: 'bad_message' | 'unknown_type') {
  const r = parseClientMessage(text);
  expect(r.ok).toBe(false);
  if (!r.ok) {
    expect(r.code).toBe(code);
    expect(r.message.length).toBeGreaterThan(0);
  }
  return r;
}

describe('parseClientMessage', () => {
  it('knows exactly the four client message types', () => {
    expect([...CLIENT_MESSAGE_TYPES].sort()).toEqual(['enrol.cancel', 'enrol.start', 'hello', 'ping']);
  });

  it('rejects text that is not JSON as bad_message', () => {
    expectRejected('{"type": "hello"', 'bad_message');
    expectRejected('', 'bad_message');
    expectRejected('hello', 'bad_message');
  });

  it('rejects JSON without a string type as bad_message', () => {
    expectRejected('{}', 'bad_message');
    expectRejected('{"protocol": 1}', 'bad_message');
    expectRejected('{"type": 1}', 'bad_message');
    expectRejected('null', 'bad_message');
    expectRejected('[]', 'bad_message');
    expectRejected('"hello"', 'bad_message');
    expectRejected('42', 'bad_message');
  });

  it('rejects an unknown type as unknown_type, naming it', () => {
    const r = expectRejected('{"type": "enrol.stop"}', 'unknown_type');
    if (!r.ok) expect(r.message).toContain('enrol.stop');
    expectRejected('{"type": "welcome", "protocol": 1}', 'unknown_type'); // a server message sent by a client
    expectRejected('{"type": "HELLO", "protocol": 1}', 'unknown_type');
  });

  it('rejects schema violations as bad_message', () => {
    expectRejected('{"type": "enrol.start", "name": ""}', 'bad_message');
    expectRejected('{"type": "enrol.start", "name": "   "}', 'bad_message'); // empty once trimmed
    expectRejected(JSON.stringify({ type: 'enrol.start', name: 'x'.repeat(101) }), 'bad_message');
    expectRejected('{"type": "enrol.start", "name": "Ada", "samples": 0}', 'bad_message');
    expectRejected('{"type": "enrol.start", "name": "Ada", "samples": 21}', 'bad_message');
    expectRejected('{"type": "enrol.start", "name": "Ada", "samples": 2.5}', 'bad_message');
    expectRejected('{"type": "enrol.start"}', 'bad_message');
    expectRejected('{"type": "hello"}', 'bad_message');
    expectRejected('{"type": "hello", "protocol": "1"}', 'bad_message');
    expectRejected('{"type": "hello", "protocol": 1.5}', 'bad_message');
    expectRejected('{"type": "ping"}', 'bad_message');
    expectRejected('{"type": "ping", "t": "now"}', 'bad_message');
  });

  it('refuses control characters in names and camera labels, and normalises the spaces of what it accepts', () => {
    for (const bad of ['Ada\u0000', 'A\nda', 'Ada\u202e']) {
      expectRejected(JSON.stringify({ type: 'enrol.start', name: bad }), 'bad_message');
      expectRejected(JSON.stringify({ type: 'hello', protocol: 1, camera: `door ${bad}` }), 'bad_message');
    }
    const r = parseClientMessage(JSON.stringify({ type: 'enrol.start', name: ' Ada\u00a0 Lovelace ' }));
    expect(r.ok && r.message.type === 'enrol.start' && r.message.name).toBe('Ada Lovelace');
  });

  it('echoes at most a short piece of an unknown type', () => {
    const r = expectRejected(JSON.stringify({ type: 'x'.repeat(1_000_000) }), 'unknown_type');
    if (!r.ok) expect(r.message.length).toBeLessThan(120);
  });

  it('names the offending field in a schema error', () => {
    const r = expectRejected('{"type": "enrol.start", "name": "Ada", "samples": 0}', 'bad_message');
    if (!r.ok) expect(r.message).toMatch(/^enrol\.start: samples /);
  });

  it('accepts a name of exactly 100 characters, and a longer one that is 100 once trimmed', () => {
    const r100 = parseClientMessage(JSON.stringify({ type: 'enrol.start', name: 'n'.repeat(100) }));
    expect(r100.ok).toBe(true);
    const padded = parseClientMessage(JSON.stringify({ type: 'enrol.start', name: ` ${'n'.repeat(100)} ` }));
    expect(padded.ok && padded.message.type === 'enrol.start' && padded.message.name).toBe('n'.repeat(100));
  });

  it('accepts hello with and without its optional fields', () => {
    expect(parseClientMessage('{"type": "hello", "protocol": 1}')).toEqual({ ok: true, message: { type: 'hello', protocol: 1 } });
    expect(parseClientMessage('{"type": "hello", "protocol": 1, "camera": "door", "client": "kiosk/2"}')).toEqual({
      ok: true,
      message: { type: 'hello', protocol: 1, camera: 'door', client: 'kiosk/2' },
    });
  });

  it('accepts enrol.start and trims the name', () => {
    // Spaces are trimmed; a tab is a control character and refused, as over REST (shared/text.ts).
    expectRejected('{"type": "enrol.start", "name": "  Ada Lovelace \\t"}', 'bad_message');
    expect(parseClientMessage('{"type": "enrol.start", "name": "  Ada Lovelace  "}')).toEqual({
      ok: true,
      message: { type: 'enrol.start', name: 'Ada Lovelace' },
    });
    expect(parseClientMessage('{"type": "enrol.start", "name": "Ada", "samples": 20}')).toEqual({
      ok: true,
      message: { type: 'enrol.start', name: 'Ada', samples: 20 },
    });
  });

  it('accepts enrol.cancel and ping', () => {
    expect(parseClientMessage('{"type": "enrol.cancel"}')).toEqual({ ok: true, message: { type: 'enrol.cancel' } });
    expect(parseClientMessage('{"type": "ping", "t": 123.5}')).toEqual({ ok: true, message: { type: 'ping', t: 123.5 } });
  });

  it('drops unknown extra fields', () => {
    const r = parseClientMessage('{"type": "ping", "t": 1, "extra": true}');
    expect(r).toEqual({ ok: true, message: { type: 'ping', t: 1 } });
  });
});

const overlay = () => ({
  type: 'overlay',
  seq: 12,
  captureTime: 1_716_000_000_000,
  width: 640,
  height: 480,
  tracks: [
    { id: 1, box: [10, 20, 100, 120], personId: 'p-1', name: 'Ada', score: 0.93, state: 'recognized' },
    { id: 2, box: [300, 40, 80, 90], personId: null, name: null, score: null, state: 'pending' },
  ],
  timings: { queue: 0.5, decode: 3, detect: 20, embed: 15, total: 40 },
  stats: { received: 13, processed: 12, dropped: 1 },
});

describe('ServerMessage', () => {
  it('parses a well-formed overlay', () => {
    const r = ServerMessage.safeParse(overlay());
    expect(r.success).toBe(true);
    if (r.success && r.data.type === 'overlay') {
      expect(r.data.tracks).toHaveLength(2);
      expect(r.data.tracks[0]!.box).toEqual([10, 20, 100, 120]);
    }
  });

  it('rejects a track whose box has 3 elements', () => {
    const bad = overlay();
    bad.tracks[0]!.box = [10, 20, 100];
    const r = ServerMessage.safeParse(bad);
    expect(r.success).toBe(false);
    if (!r.success) expect(r.error.issues[0]!.path.slice(0, 3)).toEqual(['tracks', 0, 'box']);
  });

  it('rejects a track with an unknown state and an overlay without stats', () => {
    const badState = overlay();
    (badState.tracks[1] as { state: string }).state = 'maybe';
    expect(ServerMessage.safeParse(badState).success).toBe(false);
    const { stats: _stats, ...noStats } = overlay();
    expect(ServerMessage.safeParse(noStats).success).toBe(false);
  });

  it('parses an error message only with a known code', () => {
    expect(ServerMessage.safeParse({ type: 'error', code: 'bad_frame', message: 'x', seq: 3 }).success).toBe(true);
    expect(ServerMessage.safeParse({ type: 'error', code: 'oops', message: 'x' }).success).toBe(false);
  });
});
