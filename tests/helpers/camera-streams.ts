// Real camera streams on loopback for the camera-source tests: a clip made from fixture photos, served as MJPEG over
// HTTP by ffmpeg (`-listen 1`) or over RTSP by Debian's GStreamer RTSP server (tests/helpers/rtsp-server.py).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIXTURES } from './ws-client.js';

const RTSP_SCRIPT = fileURLToPath(new URL('./rtsp-server.py', import.meta.url));

/** A port nobody listens on right now (the servers below take a port number, not 0). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * An H.264 MP4 slideshow of fixture photos (each `secondsEach`, letterboxed to 640x480) at 15 fps, repeated `times`
 * (copied, not encoded again): a door camera's view of someone standing in front of it.
 */
export function photoClip(dir: string, photos: string[], secondsEach = 1, times = 1): string {
  const once = path.join(dir, 'clip-once.mp4');
  const inputs = photos.flatMap((p) => ['-loop', '1', '-t', String(secondsEach), '-i', path.join(FIXTURES, p)]);
  const scaled = photos.map((_, i) => `[${i}]scale=640:480:force_original_aspect_ratio=decrease,pad=640:480:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=15[v${i}]`);
  const filter = `${scaled.join(';')};${photos.map((_, i) => `[v${i}]`).join('')}concat=n=${photos.length}:v=1:a=0[out]`;
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-y',
    ...inputs,
    '-filter_complex',
    filter,
    '-map',
    '[out]',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-g',
    '15',
    '-pix_fmt',
    'yuv420p',
    once,
  ]);
  if (times <= 1) return once;
  const out = path.join(dir, 'clip.mp4');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-stream_loop', String(times - 1), '-i', once, '-c', 'copy', out]);
  return out;
}

export interface StreamServer {
  url: string;
  /** Cuts the stream: the server process is killed. */
  stop(): Promise<void>;
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

/** ffmpeg serving `clip` in a loop, in real time, as multipart MJPEG on http://127.0.0.1:port/ (one client). */
export function serveMjpeg(clip: string, port: number): StreamServer {
  const child = spawn(
    'ffmpeg',
    ['-v', 'error', '-re', '-stream_loop', '-1', '-i', clip, '-an', '-c:v', 'mjpeg', '-q:v', '5', '-f', 'mpjpeg', '-listen', '1', `http://127.0.0.1:${port}/`],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  child.stderr!.resume();
  return { url: `http://127.0.0.1:${port}/`, stop: () => kill(child) };
}

/** Debian's GStreamer RTSP server, if its packages are installed; else null with the reason. */
export function rtspAvailable(): string | null {
  if (!fs.existsSync('/usr/bin/python3')) return 'no /usr/bin/python3';
  try {
    execFileSync('/usr/bin/python3', ['-c', "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer"], {
      stdio: 'ignore',
    });
    return null;
  } catch {
    return 'GStreamer RTSP server missing: apt-get install gir1.2-gst-rtsp-server-1.0 python3-gi gstreamer1.0-plugins-good gstreamer1.0-plugins-bad';
  }
}

/** The clip over RTSP at rtsp://127.0.0.1:port/stream; resolves once the server listens. */
export async function serveRtsp(clip: string, port: number): Promise<StreamServer> {
  const child = spawn('/usr/bin/python3', [RTSP_SCRIPT, String(port), clip], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`rtsp-server.py exited with ${code}: ${err}`)));
  });
  return { url: `rtsp://127.0.0.1:${port}/stream`, stop: () => kill(child) };
}
