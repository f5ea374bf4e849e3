// Pure overlay drawing: maps face boxes from frame pixels to canvas pixels and draws boxes with identity labels.
import type { Overlay, Track } from '../shared/protocol.js';

export type Box = [x: number, y: number, w: number, h: number];

/** The subset of CanvasRenderingContext2D the overlay uses (lets tests pass a recorder). */
export type OverlayContext = Pick<
  CanvasRenderingContext2D,
  'clearRect' | 'strokeRect' | 'fillRect' | 'fillText' | 'measureText' | 'lineWidth' | 'strokeStyle' | 'fillStyle' | 'font' | 'textBaseline'
>;

export const STATE_COLORS: Record<Track['state'], string> = {
  recognized: '#22c55e',
  unknown: '#f97316',
  pending: '#9ca3af',
};

/** "name 0.93 #id" when recognized, "unknown 0.41 #3" when unknown, "… #3" while pending; " · not live" when the liveness models say so. */
export function labelFor(track: Pick<Track, 'id' | 'name' | 'personId' | 'score' | 'state' | 'liveOk'>): string {
  const score = track.score === null || !Number.isFinite(track.score) ? '' : ` ${track.score.toFixed(2)}`;
  const live = track.liveOk === false ? ' · not live' : '';
  switch (track.state) {
    case 'recognized':
      return `${track.name ?? track.personId ?? '?'}${score} #${track.id}${live}`;
    case 'unknown':
      return `unknown${score} #${track.id}${live}`;
    default:
      return `… #${track.id}${live}`;
  }
}

/** "antispoof 0.81 · liveness 0.99" for a track's liveness scores, or '' when they were not measured. */
export function livenessText(track: Pick<Track, 'real' | 'live'>): string {
  if (track.real == null || track.live == null) return '';
  return `antispoof ${track.real.toFixed(2)} · liveness ${track.live.toFixed(2)}`;
}

/**
 * Maps a box in frame pixels to canvas pixels, with the frame fitted inside the canvas the way
 * a <video> with object-fit: contain shows it (uniform scale, centred, letterboxed).
 */
export function scaleBox(box: readonly [number, number, number, number], frameW: number, frameH: number, canvasW: number, canvasH: number): Box {
  const [x, y, w, h] = box;
  if (frameW <= 0 || frameH <= 0) return [x, y, w, h];
  const scale = Math.min(canvasW / frameW, canvasH / frameH);
  const offsetX = (canvasW - frameW * scale) / 2;
  const offsetY = (canvasH - frameH * scale) / 2;
  return [x * scale + offsetX, y * scale + offsetY, w * scale, h * scale];
}

/** Clears the canvas and draws every track of `overlay` (nothing when overlay is null). */
export function drawOverlay(ctx: OverlayContext, overlay: Overlay | null, canvasWidth: number, canvasHeight: number): void {
  ctx.clearRect(0, 0, canvasWidth, canvasHeight);
  if (!overlay) return;
  const fontPx = Math.round(Math.max(12, Math.min(28, canvasWidth / 40)));
  const pad = Math.round(fontPx / 4);
  const labelH = fontPx + 2 * pad;
  ctx.font = `600 ${fontPx}px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif`;
  ctx.textBaseline = 'top';
  ctx.lineWidth = Math.max(2, fontPx / 6);
  for (const track of overlay.tracks) {
    const [x, y, w, h] = scaleBox(track.box, overlay.width, overlay.height, canvasWidth, canvasHeight);
    const color = STATE_COLORS[track.state];
    ctx.strokeStyle = color;
    ctx.strokeRect(x, y, w, h);

    const text = labelFor(track);
    const labelW = ctx.measureText(text).width + 2 * pad;
    const lx = Math.min(Math.max(0, x), Math.max(0, canvasWidth - labelW));
    // Above the box when there is room, else just inside its top edge.
    const ly = y - labelH >= 0 ? y - labelH : Math.min(Math.max(0, y), Math.max(0, canvasHeight - labelH));
    ctx.fillStyle = color;
    ctx.fillRect(lx, ly, labelW, labelH);
    ctx.fillStyle = '#0b0f14';
    ctx.fillText(text, lx + pad, ly + pad);
  }
}
