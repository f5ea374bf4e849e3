// Server-pulled cameras' pure parts: JPEG splitting with a bounded buffer, URL checks and credential redaction,
// ffmpeg's command line and its stderr summary. The real ffmpeg end to end is in tests/integration/camera-sources.test.ts.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { hasCredentials, mergeCredentials, parseCameraUrl, redactText, redactUrl } from '../../src/shared/camera-url.js';
import { StderrSummary, ffmpegArgs } from '../../src/server/cameras/ffmpeg.js';
import { JpegSplitter } from '../../src/server/cameras/jpeg-stream.js';
import { overlaySvg } from '../../src/server/cameras/snapshot.js';

/** Three real JPEGs of different sizes made by ffmpeg, as it writes them on a pipe. */
function realJpegs(): Buffer[] {
  return [64, 96, 128].map((side) =>
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      `testsrc=size=${side}x${side}:rate=1`,
      '-frames:v',
      '1',
      '-c:v',
      'mjpeg',
      '-f',
      'image2pipe',
      'pipe:1',
    ]),
  );
}

describe('JpegSplitter', () => {
  const jpegs = realJpegs();
  const stream = Buffer.concat([Buffer.from('junk before'), ...jpegs]);

  it.each([1, 2, 7, 1000, 1 << 20])('splits back-to-back JPEGs whatever the chunk size (%i bytes)', (size) => {
    const out: Buffer[] = [];
    const s = new JpegSplitter(1 << 20, (j) => out.push(j));
    for (let i = 0; i < stream.length; i += size) s.push(stream.subarray(i, i + size));
    expect(out).toEqual(jpegs);
    expect(s.stats).toMatchObject({ frames: 3, oversized: 0, skippedBytes: 'junk before'.length });
    expect(s.buffered).toBe(0);
  });

  it('drops a frame over its limit whole, counts it, and takes the next one', () => {
    const out: Buffer[] = [];
    const limit = jpegs[1]!.length - 1;
    const s = new JpegSplitter(limit, (j) => out.push(j));
    for (let i = 0; i < stream.length; i += 100) s.push(stream.subarray(i, i + 100));
    // The 96 px frame is one byte too large; the 128 px one is larger still.
    expect(out).toEqual([jpegs[0]]);
    expect(s.stats.oversized).toBe(2);
    expect(s.buffered).toBe(0);
    s.push(jpegs[0]!);
    expect(out).toHaveLength(2);
  });
});

describe('camera URLs', () => {
  it('accepts rtsp, http(s) and V4L2 devices, and says why others are refused', () => {
    expect(parseCameraUrl('rtsp://cam.local:554/stream1')).toEqual({ ok: true, kind: 'rtsp' });
    expect(parseCameraUrl('https://cam.local/mjpeg')).toEqual({ ok: true, kind: 'http' });
    expect(parseCameraUrl('/dev/video0')).toEqual({ ok: true, kind: 'device' });
    expect(parseCameraUrl('/etc/passwd')).toMatchObject({ ok: false, message: expect.stringContaining('/dev/video0') });
    expect(parseCameraUrl('file:///etc/passwd')).toMatchObject({ ok: false, message: expect.stringContaining('file:') });
    expect(parseCameraUrl('not a url')).toMatchObject({ ok: false });
  });

  it('never shows a user or password, and a patch sending the hidden form back keeps them', () => {
    const stored = 'rtsp://admin:s3cr%40t@10.0.0.5:554/live?channel=1';
    expect(redactUrl(stored)).toBe('rtsp://***@10.0.0.5:554/live?channel=1');
    expect(hasCredentials(stored)).toBe(true);
    expect(hasCredentials('rtsp://10.0.0.5/live')).toBe(false);
    expect(mergeCredentials('rtsp://***@10.0.0.5:554/other', stored)).toBe('rtsp://admin:s3cr%40t@10.0.0.5:554/other');
    expect(mergeCredentials('rtsp://admin@10.0.0.5:554/live', stored)).toBe('rtsp://admin:s3cr%40t@10.0.0.5:554/live');
    expect(mergeCredentials('rtsp://bob:pw@10.0.0.5/live', stored)).toBe('rtsp://bob:pw@10.0.0.5/live');
    expect(mergeCredentials('rtsp://10.0.0.5/live', stored)).toBe('rtsp://10.0.0.5/live');
  });

  it('blanks credentials in any text, in URL form or alone, encoded or decoded', () => {
    const url = 'rtsp://admin:s3cr%40t@10.0.0.5/live';
    const said = `[rtsp @ 0x1] method DESCRIBE failed for ${url}; user admin password s3cr@t rejected`;
    const clean = redactText(said, url);
    expect(clean).not.toMatch(/s3cr|admin/);
    expect(clean).toContain('rtsp://***@10.0.0.5/live');
  });
});

describe('ffmpeg', () => {
  it('pulls RTSP over TCP, caps the frame rate and width, restricts protocols, writes MJPEG to stdout', () => {
    const args = ffmpegArgs({ url: 'rtsp://h/s', kind: 'rtsp', maxFps: 5, maxWidth: 1280, ioTimeoutMs: 10_000 });
    const s = args.join(' ');
    expect(s).toContain('-rtsp_transport tcp -i rtsp://h/s');
    expect(ffmpegArgs({ url: 'http://h/m', kind: 'http', maxFps: 5, maxWidth: 1280, ioTimeoutMs: 10_000 }).join(' ')).toContain('-rw_timeout 10000000');
    expect(s).toContain('-protocol_whitelist rtsp,');
    expect(s).toContain("-vf fps=5,scale='min(iw,1280)':-2");
    expect(s).toMatch(/-c:v mjpeg .*-f image2pipe pipe:1$/);
    expect(ffmpegArgs({ url: '/dev/video0', kind: 'device', maxFps: 2, maxWidth: 640, ioTimeoutMs: 1000 }).join(' ')).toContain('-f v4l2 -i /dev/video0');
  });

  it('keeps the last stderr lines, redacted, with repeats counted', () => {
    const url = 'rtsp://u:hunter22@h/s';
    const s = new StderrSummary(url);
    s.push(Buffer.from('first\nrtsp://u:hunter22@h/s: 401 Unauthor'));
    s.push(Buffer.from('ized\nagain\nagain\n'));
    expect(s.summary()).toEqual(['first', 'rtsp://***@h/s: 401 Unauthorized', 'again (×2)']);
    for (let i = 0; i < 20; i++) s.push(Buffer.from(`line ${i}\n`));
    expect(s.summary()).toHaveLength(8);
    expect(s.last()).toBe('line 19');
  });
});

describe('snapshot overlay', () => {
  it('draws a box and an escaped name per track', () => {
    const svg = overlaySvg(640, 360, [
      { id: 1, box: [10, 50, 100, 120], personId: 'p', name: 'Ada <b>&', score: 0.91, state: 'recognized', real: null, live: null },
      { id: 2, box: [300, 60, 80, 90], personId: null, name: null, score: null, state: 'unknown', real: null, live: null },
    ]);
    expect(svg.match(/<rect /g)).toHaveLength(2);
    expect(svg).toContain('Ada &#60;b&#62;&#38; 0.91');
    expect(svg).toContain('>Unknown<');
  });
});
