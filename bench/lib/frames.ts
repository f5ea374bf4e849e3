// Webcam-like test frames: fixture photos letterboxed to 640x480 JPEG, moved a little from frame to frame as a person
// in front of a camera does, with where each labelled face is, so an answer can be scored per face and frame.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

export const FIXTURES = fileURLToPath(new URL('../../tests/fixtures/faces/', import.meta.url));
export const WIDTH = 640;
export const HEIGHT = 480;

/** A face the frame shows: who (null = someone not enrolled) and, for group photos, where (fractions of the photo). */
export interface LabelledFace {
  name: string | null;
  at?: { x: number; y: number };
}
export interface Frame {
  jpeg: Uint8Array;
  scene: string;
  faces: { name: string | null; x?: number; y?: number }[];
}

/**
 * `count` frames of one photo: letterboxed into 640x480, zoomed 0..4% and shifted up to 8 px on a slow sine, so
 * consecutive frames differ as a webcam's do while staying one scene for the tracker.
 */
export async function sceneFrames(rel: string, faces: LabelledFace[], count: number): Promise<Frame[]> {
  const src = sharp(path.join(FIXTURES, rel));
  const meta = await src.metadata();
  const w = meta.width!,
    h = meta.height!;
  const out: Frame[] = [];
  for (let i = 0; i < count; i++) {
    const phase = (2 * Math.PI * i) / 30;
    const zoom = 1 + 0.02 * (1 - Math.cos(phase));
    const scale = Math.min(WIDTH / w, HEIGHT / h) * 0.95 * zoom;
    const sw = Math.round(w * scale),
      sh = Math.round(h * scale);
    const left = Math.round((WIDTH - sw) / 2 + 8 * Math.sin(phase));
    const top = Math.round((HEIGHT - sh) / 2 + 4 * Math.sin(phase / 2));
    const resized = await sharp(path.join(FIXTURES, rel)).resize(sw, sh).toBuffer();
    // Parts moved past the edge are cropped, as a camera's view would cut them.
    const cx0 = Math.max(0, -left),
      cy0 = Math.max(0, -top);
    const cw = Math.min(sw - cx0, WIDTH - Math.max(0, left)),
      ch = Math.min(sh - cy0, HEIGHT - Math.max(0, top));
    const part = await sharp(resized).extract({ left: cx0, top: cy0, width: cw, height: ch }).toBuffer();
    const jpeg = await sharp({ create: { width: WIDTH, height: HEIGHT, channels: 3, background: '#000' } })
      .composite([{ input: part, left: Math.max(0, left), top: Math.max(0, top) }])
      .jpeg({ quality: 80 })
      .toBuffer();
    out.push({
      jpeg: new Uint8Array(jpeg),
      scene: rel,
      faces: faces.map((f) => (f.at ? { name: f.name, x: left + f.at.x * sw, y: top + f.at.y * sh } : { name: f.name })),
    });
  }
  return out;
}
