// A camera's latest processed frame with its overlay drawn in (boxes and names), as a JPEG: sharp composites an SVG
// of the overlay onto the frame, so a wall or a status page needs no client-side drawing.
import sharp from 'sharp';
import type { Track } from '../../shared/protocol.js';
import type { AnnotatedFrame } from './camera-session.js';

const COLOURS: Record<Track['state'], string> = { recognized: '#2ecc71', unknown: '#e67e22', pending: '#bdc3c7' };

const xml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

function label(t: Track): string {
  if (t.state === 'recognized' && t.name) return t.score === null ? t.name : `${t.name} ${t.score.toFixed(2)}`;
  return t.state === 'unknown' ? 'Unknown' : '…';
}

/** The overlay as an SVG the size of the frame. */
export function overlaySvg(width: number, height: number, tracks: Track[]): string {
  const stroke = Math.max(2, Math.round(Math.min(width, height) / 180));
  const font = Math.max(12, Math.round(Math.min(width, height) / 28));
  const shapes = tracks.map((t) => {
    const [x, y, w, h] = t.box.map((v) => Math.round(v)) as [number, number, number, number];
    const colour = COLOURS[t.state];
    const text = xml(label(t));
    const ty = y - font * 0.4 > font ? y - font * 0.4 : y + h + font * 1.1;
    return (
      `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="none" stroke="${colour}" stroke-width="${stroke}"/>` +
      `<text x="${x}" y="${ty}" font-family="sans-serif" font-size="${font}" font-weight="bold" fill="${colour}" stroke="#000" stroke-width="${Math.max(1, stroke / 2)}" paint-order="stroke">${text}</text>`
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${shapes.join('')}</svg>`;
}

export async function renderSnapshot(frame: AnnotatedFrame): Promise<Buffer> {
  const image = sharp(frame.jpeg, { failOn: 'error' });
  const meta = await image.metadata();
  // The overlay's boxes are in the frame's pixels as decoded; the SVG is drawn at the JPEG's own size.
  const width = meta.width ?? frame.overlay.width;
  const height = meta.height ?? frame.overlay.height;
  const svg = Buffer.from(overlaySvg(width, height, frame.overlay.tracks));
  return image
    .composite([{ input: svg, top: 0, left: 0 }])
    .jpeg({ quality: 80 })
    .toBuffer();
}
