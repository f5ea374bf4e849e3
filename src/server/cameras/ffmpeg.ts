// The ffmpeg child that pulls one camera: its command line (input options per kind of source, a frame-rate cap and a
// width cap, MJPEG out on stdout) and a bounded, redacted summary of what it says on stderr.
import type { CameraKind } from '../../shared/camera-url.js';
import { redactText } from '../../shared/camera-url.js';

export interface FfmpegInput {
  url: string;
  kind: CameraKind;
  maxFps: number;
  /** Frames wider than this are scaled down (keeping the aspect ratio) before they leave ffmpeg. */
  maxWidth: number;
  /** HTTP sources: silent this long, ffmpeg fails instead of hanging (RTSP relies on the source's stall watchdog). */
  ioTimeoutMs: number;
}

/**
 * Protocols ffmpeg may open for each kind of source: a URL cannot send it to local files or other protocols (an HTTP
 * "camera" answering with a playlist of file: URLs, for instance).
 */
const PROTOCOLS: Record<Exclude<CameraKind, 'device'>, string> = {
  rtsp: 'rtsp,rtsps,rtp,srtp,udp,tcp,tls,http,https',
  http: 'http,https,tcp,tls',
};

export function ffmpegArgs(input: FfmpegInput): string[] {
  const timeoutUs = String(input.ioTimeoutMs * 1000);
  const source =
    input.kind === 'device'
      ? ['-f', 'v4l2', '-i', input.url]
      : input.kind === 'rtsp'
        ? // TCP: no lost packets (UDP through NAT or over Wi-Fi loses whole frames). No `-timeout`: before ffmpeg 5 it
          // meant "listen as a server" for RTSP; the source's stall watchdog ends a silent connection instead.
          ['-protocol_whitelist', PROTOCOLS.rtsp, '-rtsp_transport', 'tcp', '-i', input.url]
        : ['-protocol_whitelist', PROTOCOLS.http, '-rw_timeout', timeoutUs, '-i', input.url];
  const fps = Number(input.maxFps.toFixed(3));
  return [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'error',
    '-fflags',
    'nobuffer',
    ...source,
    '-an',
    '-vf',
    `fps=${fps},scale='min(iw,${input.maxWidth})':-2`,
    '-c:v',
    'mjpeg',
    '-q:v',
    '5',
    '-f',
    'image2pipe',
    'pipe:1',
  ];
}

/** Lines of stderr kept per camera, newest last. */
export const STDERR_LINES = 8;
/** Longest stderr line kept; a longer one is cut. */
export const STDERR_LINE_CHARS = 300;

/** The last lines ffmpeg wrote on stderr, credentials removed, repeats counted instead of kept. */
export class StderrSummary {
  private partial = '';
  private readonly lines: { text: string; repeats: number }[] = [];

  constructor(private readonly url: string) {}

  push(chunk: Buffer): void {
    const text = this.partial + chunk.toString('utf8');
    const parts = text.split(/\r?\n|\r/);
    // A line without its end is held, but never more than one line's worth.
    this.partial = (parts.pop() ?? '').slice(0, STDERR_LINE_CHARS);
    for (const raw of parts) this.add(raw);
  }

  /** The last line, or null when ffmpeg said nothing. */
  last(): string | null {
    if (this.partial.trim()) this.add(this.partial);
    this.partial = '';
    return this.lines.at(-1)?.text ?? null;
  }

  summary(): string[] {
    return this.lines.map((l) => (l.repeats > 1 ? `${l.text} (×${l.repeats})` : l.text));
  }

  private add(raw: string): void {
    const line = redactText(raw.trim(), this.url).slice(0, STDERR_LINE_CHARS);
    if (!line) return;
    const prev = this.lines.at(-1);
    if (prev?.text === line) return void (prev.repeats += 1);
    this.lines.push({ text: line, repeats: 1 });
    if (this.lines.length > STDERR_LINES) this.lines.shift();
  }
}
