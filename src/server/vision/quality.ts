// Image-quality measures on an aligned face chip (packed RGB): sharpness (variance of the Laplacian) and exposure.
// Pure JavaScript on small buffers (150x150), no TensorFlow, so they are cheap and deterministic.

export interface ChipQuality {
  /** Variance of the 4-neighbour Laplacian of the grey chip's centre; low means blurred. */
  sharpness: number;
  /** Mean luminance of the chip's centre, 0..255. */
  brightness: number;
  /** Fraction of centre pixels that are clipped (luminance <= 5 or >= 250), 0..1. */
  clipped: number;
}

/** Rec. 601 luma of a packed RGB buffer. */
export function toGrey(rgb: Uint8Array, width: number, height: number): Float32Array {
  const out = new Float32Array(width * height);
  for (let i = 0, p = 0; i < out.length; i++, p += 3) out[i] = 0.299 * rgb[p]! + 0.587 * rgb[p + 1]! + 0.114 * rgb[p + 2]!;
  return out;
}

/**
 * Measures the centre of the chip (a margin of `margin` of the side is left out on every edge), so the background
 * and the clamped edges of the warp do not count: what is measured is the face itself.
 */
export function measureChip(rgb: Uint8Array, size: number, margin = 0.2): ChipQuality {
  if (rgb.length !== size * size * 3) throw new Error(`chip of ${rgb.length} bytes is not ${size}x${size} RGB`);
  const grey = toGrey(rgb, size, size);
  const m = Math.max(1, Math.round(size * margin));
  let n = 0,
    sum = 0,
    sumSq = 0,
    lum = 0,
    clipped = 0;
  for (let y = m; y < size - m; y++) {
    for (let x = m; x < size - m; x++) {
      const i = y * size + x;
      const g = grey[i]!;
      const lap = grey[i - 1]! + grey[i + 1]! + grey[i - size]! + grey[i + size]! - 4 * g;
      sum += lap;
      sumSq += lap * lap;
      lum += g;
      if (g <= 5 || g >= 250) clipped += 1;
      n += 1;
    }
  }
  const mean = sum / n;
  return { sharpness: sumSq / n - mean * mean, brightness: lum / n, clipped: clipped / n };
}
