// Suite "ipcameras": a server-pulled camera (RTSP from Debian's GStreamer RTSP server on loopback, or MJPEG over HTTP
// from ffmpeg where GStreamer is missing) against a browser-style socket camera, both at 15 fps of the same scene, on
// the same server with default settings. CPU per processed frame of each alone (the server's, plus the pulling
// ffmpeg's for the IP camera), then both at once: fps each and CPU per frame.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, rtspAvailable, serveMjpeg, serveRtsp, type StreamServer } from '../tests/helpers/camera-streams.js';
import { connectCamera } from './lib/camera.js';
import { sceneFrames } from './lib/frames.js';
import { LIVE_SCENE } from './lib/people.js';
import { round } from './lib/stats.js';
import { serverSettings, type SuiteContext, type SuiteOutput } from './lib/suite.js';
import { CAMERA_FPS } from './live.js';

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** CPU seconds of a process (user + system, all threads), or 0 once it is gone. */
function cpuOf(pid: number | null): number {
  if (pid === null) return 0;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** The ffmpeg the server runs for its camera: a child process named ffmpeg. */
function ffmpegChild(serverPid: number): number | null {
  for (const tid of fs.readdirSync(`/proc/${serverPid}/task`)) {
    const children = fs.readFileSync(`/proc/${serverPid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    for (const c of children) if (fs.readFileSync(`/proc/${c}/comm`, 'utf8').trim() === 'ffmpeg') return c;
  }
  return null;
}

interface CameraStatus {
  state: string;
  framesProcessed: number;
  framesIn: number;
  recentNames: { name: string }[];
}

export async function runIpCameras(ctx: SuiteContext): Promise<SuiteOutput> {
  const server = await ctx.server();
  const seconds = ctx.quick ? 5 : 15;
  const frames = (await sceneFrames(LIVE_SCENE.photo, LIVE_SCENE.faces, 30)).map((f) => f.jpeg);
  // The same 30 frames as an H.264 clip at 15 fps, a minute and more long (the RTSP server plays it once per client).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facestream-ipcam-'));
  frames.forEach((f, i) => fs.writeFileSync(path.join(dir, `f${String(i).padStart(3, '0')}.jpg`), f));
  const clip = path.join(dir, 'scene.mp4');
  execFileSync(
    'ffmpeg',
    ['-v', 'error', '-y', '-stream_loop', '60', '-framerate', String(CAMERA_FPS), '-i', path.join(dir, 'f%03d.jpg')].concat([
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-g',
      String(CAMERA_FPS),
      '-pix_fmt',
      'yuv420p',
      clip,
    ]),
  );
  const rtspMissing = rtspAvailable();
  const stream: StreamServer = rtspMissing ? serveMjpeg(clip, await freePort()) : await serveRtsp(clip, await freePort());
  const kind = rtspMissing ? `MJPEG over HTTP (${rtspMissing})` : 'RTSP over TCP';
  const api = async <T>(method: string, p: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${server.url}${p}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const status = (id: string) => api<CameraStatus>('GET', `/api/v1/cameras/${id}/status`);
  const waitFor = async (id: string, ok: (s: CameraStatus) => boolean, what: string) => {
    for (let i = 0; i < 120; i++) {
      if (ok(await status(id))) return;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`ip camera: ${what} did not happen within 60 s: ${JSON.stringify(await status(id))}`);
  };

  try {
    const cam = await api<{ id: string }>('POST', '/api/v1/cameras', { name: 'bench-ip', url: stream.url, maxFps: CAMERA_FPS });
    await waitFor(cam.id, (s) => s.recentNames.some((n) => n.name === LIVE_SCENE.faces[0]!.name), 'naming the person');

    /** The IP camera for `seconds`: processed frames, server and ffmpeg CPU. */
    const measureIp = async () => {
      const ff = ffmpegChild(server.pid);
      const [s0, c0, f0, t0] = [await status(cam.id), server.cpuSeconds(), cpuOf(ff), performance.now()];
      await new Promise((r) => setTimeout(r, seconds * 1000));
      const [s1, c1, f1, t1] = [await status(cam.id), server.cpuSeconds(), cpuOf(ff), performance.now()];
      const processed = s1.framesProcessed - s0.framesProcessed;
      return { processed, fps: round(processed / ((t1 - t0) / 1000), 2), serverCpuS: c1 - c0, ffmpegCpuS: f1 - f0, framesIn: s1.framesIn - s0.framesIn };
    };

    const ipAlone = await measureIp();
    ctx.log(`ipcameras: ${kind} alone: ${ipAlone.fps} fps processed`);

    await api('PATCH', `/api/v1/cameras/${cam.id}`, { enabled: false });
    const sock = await connectCamera(server.url, 'bench-socket');
    await sock.stream({ frames, fps: CAMERA_FPS, durationMs: 1500 });
    let c0 = server.cpuSeconds();
    const sockAlone = await sock.stream({ frames, fps: CAMERA_FPS, durationMs: seconds * 1000 });
    const sockAloneCpu = server.cpuSeconds() - c0;
    ctx.log(`ipcameras: socket alone: ${round(sockAlone.answers.length / (sockAlone.durationMs / 1000), 2)} fps`);

    await api('PATCH', `/api/v1/cameras/${cam.id}`, { enabled: true });
    await waitFor(cam.id, (s) => s.state === 'connected' && s.framesProcessed > 5, 'reconnecting');
    c0 = server.cpuSeconds();
    const [ipBoth, sockBoth] = await Promise.all([measureIp(), sock.stream({ frames, fps: CAMERA_FPS, durationMs: seconds * 1000 })]);
    const bothCpu = server.cpuSeconds() - c0;
    sock.close();
    await fetch(`${server.url}/api/v1/cameras/${cam.id}`, { method: 'DELETE' });

    const ms = (cpuS: number, n: number) => (n > 0 ? round((1000 * cpuS) / n, 1) : null);
    const sockFps = (r: typeof sockAlone) => round(r.answers.length / (r.durationMs / 1000), 2);
    const results = {
      ipCamera: kind,
      alone: {
        ip: {
          fpsIn: round(ipAlone.framesIn / seconds, 2),
          fps: ipAlone.fps,
          serverCpuMsPerFrame: ms(ipAlone.serverCpuS, ipAlone.processed),
          ffmpegCpuMsPerFrame: ms(ipAlone.ffmpegCpuS, ipAlone.framesIn),
        },
        socket: { fps: sockFps(sockAlone), serverCpuMsPerFrame: ms(sockAloneCpu, sockAlone.answers.length) },
      },
      together: {
        ip: { fpsIn: round(ipBoth.framesIn / seconds, 2), fps: ipBoth.fps, ffmpegCpuMsPerFrame: ms(ipBoth.ffmpegCpuS, ipBoth.framesIn) },
        socket: { fps: sockFps(sockBoth) },
        serverCpuMsPerFrame: ms(bothCpu, ipBoth.processed + sockBoth.answers.length),
        serverCpuShare: round(bothCpu / seconds, 2),
      },
    };
    ctx.log(`ipcameras: ${JSON.stringify(results)}`);
    return {
      settings: { ...serverSettings(server), cameraFps: CAMERA_FPS, ipCameraMaxFps: CAMERA_FPS, seconds, scene: LIVE_SCENE.photo },
      results,
    };
  } finally {
    await stream.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
