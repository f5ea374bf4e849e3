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

/** A track the presentation-attack stage refused (`liveOk: false`): a photo or a screen, whatever its state. */
export const NOT_LIVE_COLOR = '#ef4444';

/** The box colour of a track: red when refused as not live, else its state's colour. */
export function trackColor(track: Pick<Track, 'state' | 'liveOk'>): string {
  return track.liveOk === false ? NOT_LIVE_COLOR : STATE_COLORS[track.state];
}

export interface LabelOptions {
  /** Scores and track ids (live and enrolment pages); off on the kiosk, which shows names only. */
  debug?: boolean;
}

/**
 * "name 0.93 #id" when recognized, "unknown #3" when unknown, "… #3" while pending; "not live #3" when the
 * presentation-attack stage refused the track (`liveOk: false`: it is never named, so "unknown" would mislead).
 * An unknown face's best score is not shown: "unknown 0.86" reads as an 86% match (see unknownTooltip).
 */
export function labelFor(track: Pick<Track, 'id' | 'name' | 'personId' | 'score' | 'state' | 'liveOk'>, opts: LabelOptions = {}): string {
  const debug = opts.debug ?? true;
  const score = !debug || track.score === null || !Number.isFinite(track.score) ? '' : ` ${track.score.toFixed(2)}`;
  const id = debug ? ` #${track.id}` : '';
  if (track.liveOk === false) return track.state === 'recognized' ? `${track.name ?? track.personId ?? '?'}${score}${id} · not live` : `not live${id}`;
  switch (track.state) {
    case 'recognized':
      return `${track.name ?? track.personId ?? '?'}${score}${id}`;
    case 'unknown':
      return `unknown${id}`;
    default:
      return `…${id}`;
  }
}

/** Tooltip for a track: for an unknown face, how close the nearest enrolled person came next to the threshold. */
export function scoreTooltip(track: Pick<Track, 'state' | 'score'>, threshold: number | null): string {
  const needs = threshold === null ? '' : `; a match needs ${threshold.toFixed(2)}`;
  if (track.state === 'recognized') return track.score === null ? '' : `similarity ${track.score.toFixed(2)}${needs}`;
  if (track.state !== 'unknown') return '';
  if (track.score === null || !Number.isFinite(track.score)) return 'not like anyone enrolled (the gallery may be empty)';
  return `closest enrolled person: similarity ${track.score.toFixed(2)}${needs}`;
}

/** "live check 0.81" for a track's latest presentation-attack score, or '' when its face was never scored. */
export function livenessText(track: Pick<Track, 'real'>): string {
  if (track.real == null) return '';
  return `live check ${track.real.toFixed(2)}`;
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

export interface DrawOptions extends LabelOptions {
  /** The video is shown mirrored (selfie view): boxes are flipped to match, text is not. */
  mirror?: boolean;
}

/** Clears the canvas and draws every track of `overlay` (nothing when overlay is null). */
export function drawOverlay(ctx: OverlayContext, overlay: Overlay | null, canvasWidth: number, canvasHeight: number, opts: DrawOptions = {}): void {
  ctx.clearRect(0, 0, canvasWidth, canvasHeight);
  if (!overlay) return;
  const fontPx = Math.round(Math.max(12, Math.min(28, canvasWidth / 40)));
  const pad = Math.round(fontPx / 4);
  const labelH = fontPx + 2 * pad;
  ctx.font = `600 ${fontPx}px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif`;
  ctx.textBaseline = 'top';
  ctx.lineWidth = Math.max(2, fontPx / 6);
  for (const track of overlay.tracks) {
    const [bx, by, bw, bh] = track.box;
    const box: Box = opts.mirror ? [overlay.width - bx - bw, by, bw, bh] : [bx, by, bw, bh];
    const [x, y, w, h] = scaleBox(box, overlay.width, overlay.height, canvasWidth, canvasHeight);
    const color = trackColor(track);
    ctx.strokeStyle = color;
    ctx.strokeRect(x, y, w, h);

    const text = labelFor(track, opts);
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
