// Frames for the presentation-attack evaluation: video files decoded by ffmpeg at a camera's frame rate, replays made
// from live videos (the video shown on a phone-like screen, filmed again and re-encoded), and photos presented to the
// camera on a phone screen or as a print, held by an unsteady hand. Everything made here is JPEG, as a camera sends.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { RgbImage } from '../../src/server/vision/align.js';

/** Frames of a video at `fps` (ffmpeg honours the rotation tag), as JPEGs, in order. */
export function videoFrames(file: string, fps: number, tmp: string): Uint8Array[] {
  const dir = fs.mkdtempSync(path.join(tmp, 'frames-'));
  execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-vf', `fps=${fps}`, '-q:v', '3', path.join(dir, 'f%05d.jpg')]);
  const out = fs
    .readdirSync(dir)
    .sort()
    .map((f) => new Uint8Array(fs.readFileSync(path.join(dir, f))));
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}

/**
 * A replay made from a live video: the video scaled onto a 200x356 "screen" (brighter blacks, a blue cast, a little
 * noise) inside a black bezel, in a 640x480 room that sways a little as a hand would, then re-encoded at a low bitrate.
 */
export function makeScreenReplay(liveFile: string, outFile: string): void {
  const vf = [
    'scale=200:356:force_original_aspect_ratio=increase',
    'crop=200:356',
    'eq=contrast=0.9:brightness=0.05:saturation=0.9:gamma_b=1.08',
    'noise=alls=5:allf=t',
    'pad=228:400:14:22:black',
    'rotate=0.06*sin(2*PI*t/2.3):c=0x6a6258:ow=260:oh=420',
    'pad=680:500:(ow-iw)/2:(oh-ih)/2:color=0x6a6258',
    'crop=640:480:20+18*sin(2*PI*t/1.7):10+8*sin(2*PI*t/2.9)',
  ].join(',');
  const part = `${outFile}.part.mp4`; // renamed when complete, so an interrupted run leaves no half file behind
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', liveFile, '-vf', vf, '-an', '-c:v', 'libx264', '-crf', '30', '-pix_fmt', 'yuv420p', part]);
  fs.renameSync(part, outFile);
}

export type PhotoAttack = 'phone-photo' | 'print-photo';

/** A seeded PRNG (mulberry32), so made attacks are the same on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The presented object: the photo on a screen (bezel, brighter blacks, moiré, glare) or printed (white border, paler, grain). */
async function presentedObject(photoFile: string, kind: PhotoAttack, rand: () => number): Promise<RgbImage> {
  const [w, h, border, fill] = kind === 'phone-photo' ? [190, 338, 14, 8] : [280, 350, 14, 245];
  const { data } = await sharp(photoFile).rotate().resize(w, h, { fit: 'cover' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const W = w + 2 * border,
    H = h + 2 * border;
  const out = new Uint8Array(W * H * 3).fill(fill);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3,
        o = ((y + border) * W + x + border) * 3;
      const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
      let px: number[];
      if (kind === 'phone-photo') {
        const u = x / w,
          v = y / h;
        const moire = 5 * Math.sin(2 * Math.PI * (x * 0.31 + y * 0.27));
        const glare = 35 * Math.max(0, 1 - Math.abs(u + v - 0.8) / 0.15);
        px = [r, g, b + 6].map((c) => 18 + 0.92 * c + moire + glare);
      } else {
        const luma = 0.299 * r + 0.587 * g + 0.114 * b;
        const grain = (rand() - 0.5) * 10;
        px = [r, g, b].map((c) => 28 + 0.82 * (0.75 * c + 0.25 * luma) + grain);
      }
      for (let k = 0; k < 3; k++) out[o + k] = Math.max(0, Math.min(255, Math.round(px[k]!)));
    }
  return { data: out, width: W, height: H };
}

/** Homography of the unit square onto a quad (corners in order (0,0) (1,0) (1,1) (0,1)), Heckbert's closed form. */
function squareToQuad(q: [number, number][]): number[] {
  const [[x0, y0], [x1, y1], [x2, y2], [x3, y3]] = q as [[number, number], [number, number], [number, number], [number, number]];
  const sx = x0 - x1 + x2 - x3,
    sy = y0 - y1 + y2 - y3;
  const dx1 = x1 - x2,
    dx2 = x3 - x2,
    dy1 = y1 - y2,
    dy2 = y3 - y2;
  const den = dx1 * dy2 - dx2 * dy1;
  const g = (sx * dy2 - dx2 * sy) / den,
    hh = (dx1 * sy - sx * dy1) / den;
  return [x1 - x0 + g * x1, x3 - x0 + hh * x3, x0, y1 - y0 + g * y1, y3 - y0 + hh * y3, y0, g, hh, 1];
}

function invert3(m: number[]): number[] {
  const [a, b, c, d, e, f, g, h, i] = m as [number, number, number, number, number, number, number, number, number];
  const det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  return [e * i - f * h, c * h - b * i, b * f - c * e, f * g - d * i, a * i - c * g, c * d - a * f, d * h - e * g, b * g - a * h, a * e - b * d].map(
    (v) => v / det,
  );
}

/**
 * `frames` frames at `fps` of a photo presented as `kind`: the object sways (roll, shift, scale, a perspective tilt)
 * over a plain wall, with sensor noise; JPEG quality 80.
 */
export async function photoAttackFrames(photoFile: string, kind: PhotoAttack, frames: number, fps: number, seed: number): Promise<Uint8Array[]> {
  const rand = rng(seed);
  const obj = await presentedObject(photoFile, kind, rand);
  const W = 640,
    H = 480;
  const phase = rand() * 6.28;
  const out: Uint8Array[] = [];
  for (let n = 0; n < frames; n++) {
    const t = n / fps;
    const roll = 0.07 * Math.sin((2 * Math.PI * t) / 2.3 + phase);
    const s = 1 + 0.04 * Math.sin((2 * Math.PI * t) / 3.1);
    const tx = 12 * Math.sin((2 * Math.PI * t) / 1.7 + phase),
      ty = 8 * Math.sin((2 * Math.PI * t) / 2.9);
    const tilt = 0.04 * Math.sin((2 * Math.PI * t) / 2.6 + phase); // top edge narrower or wider: the object leans
    const cx = W / 2 + tx,
      cy = H / 2 + ty;
    const hw = (obj.width * s) / 2,
      hh = (obj.height * s) / 2;
    const corners: [number, number][] = [
      [-hw * (1 - tilt), -hh],
      [hw * (1 - tilt), -hh],
      [hw * (1 + tilt), hh],
      [-hw * (1 + tilt), hh],
    ];
    const quad = corners.map(([x, y]) => [cx + x * Math.cos(roll) - y * Math.sin(roll), cy + x * Math.sin(roll) + y * Math.cos(roll)] as [number, number]);
    const inv = invert3(squareToQuad(quad));
    const img = new Uint8Array(W * H * 3);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const o = (y * W + x) * 3;
        const z = inv[6]! * x + inv[7]! * y + inv[8]!;
        const u = (inv[0]! * x + inv[1]! * y + inv[2]!) / z,
          v = (inv[3]! * x + inv[4]! * y + inv[5]!) / z;
        const noise = (rand() - 0.5) * 6;
        if (u >= 0 && u < 1 && v >= 0 && v < 1) {
          const sx = Math.min(obj.width - 1.001, u * obj.width),
            sy = Math.min(obj.height - 1.001, v * obj.height);
          const x0 = Math.floor(sx),
            y0 = Math.floor(sy),
            wx = sx - x0,
            wy = sy - y0;
          for (let k = 0; k < 3; k++) {
            const p = (yy: number, xx: number) => obj.data[(yy * obj.width + xx) * 3 + k]!;
            const top = p(y0, x0) + (p(y0, x0 + 1) - p(y0, x0)) * wx;
            const bot = p(y0 + 1, x0) + (p(y0 + 1, x0 + 1) - p(y0 + 1, x0)) * wx;
            img[o + k] = Math.max(0, Math.min(255, Math.round(top + (bot - top) * wy + noise)));
          }
        } else {
          const wall = 96 + (40 * y) / H; // a lit wall, darker at the top
          img[o] = wall + 10 + noise;
          img[o + 1] = wall + 2 + noise;
          img[o + 2] = wall - 8 + noise;
        }
      }
    out.push(
      new Uint8Array(
        await sharp(img, { raw: { width: W, height: H, channels: 3 } })
          .jpeg({ quality: 80 })
          .toBuffer(),
      ),
    );
  }
  return out;
}

/** A photo of a real face at most 640 px a side (no letterbox: black bars would enter the 4x crop), JPEG quality 85. */
export async function photoFrame(photoFile: string): Promise<Uint8Array> {
  return new Uint8Array(await sharp(photoFile).rotate().resize(640, 640, { fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 85 }).toBuffer());
}

/** One photo per identity folder (the first by name), folders sorted, group photos left out. */
export function onePhotoPerPerson(root: string, max: number): string[] {
  return fs
    .readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('_'))
    .map((d) => d.name)
    .sort()
    .flatMap((d) => {
      const files = fs
        .readdirSync(path.join(root, d))
        .filter((f) => /\.(jpe?g|png)$/i.test(f))
        .sort();
      return files.length > 0 ? [path.join(root, d, files[0]!)] : [];
    })
    .slice(0, max);
}
