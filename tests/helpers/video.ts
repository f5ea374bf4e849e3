// Frames of the fixture video clip, decoded once by ffmpeg into a temp folder, for tests that stream real video.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLIP = fileURLToPath(new URL('../fixtures/video/short_hamilton_clip.mp4', import.meta.url));
/** CLIP replayed on a made phone screen (tests/fixtures/antispoof/make-replay.ts): a presentation attack, frame for frame. */
export const REPLAY_CLIP = fileURLToPath(new URL('../fixtures/antispoof/hamilton-replay.mp4', import.meta.url));

/** Every 2nd frame (a 15 fps camera) of frames first..last (1-based, of the 30 fps clip), as JPEGs in order. */
export function clipFrames(dir: string, first: number, last: number, clip = CLIP): Uint8Array[] {
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-i',
    clip,
    '-vf',
    `select=between(n\\,${first - 1}\\,${last - 1})*not(mod(n\\,2))`,
    '-vsync',
    'vfr',
    '-q:v',
    '4',
    path.join(dir, 'f%03d.jpg'),
  ]);
  return fs
    .readdirSync(dir)
    .filter((f) => /^f\d+\.jpg$/.test(f))
    .sort()
    .map((f) => new Uint8Array(fs.readFileSync(path.join(dir, f))));
}
