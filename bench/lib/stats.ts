// Small statistics for benchmark samples: percentiles, means and rounding, so every suite summarises the same way.

/** The p-th percentile (0..100) by nearest rank; NaN for no samples. */
export function pct(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export const mean = (xs: readonly number[]): number => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);

/** Rounded to `digits` decimals; null for NaN (JSON has no NaN). */
export const round = (x: number, digits = 1): number | null => (Number.isFinite(x) ? +x.toFixed(digits) : null);

export interface Spread {
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
  n: number;
}

export function spread(xs: readonly number[]): Spread {
  return { p50: round(pct(xs, 50)), p95: round(pct(xs, 95)), p99: round(pct(xs, 99)), max: round(xs.length ? Math.max(...xs) : NaN), n: xs.length };
}

type WithP95 = { roundTripMs: { p95: number | null } };

/**
 * The idle p95 a bulk transfer's p95 is compared with: the lower of the camera's windows before and after it (the
 * stricter baseline: a window disturbed by something else only raises its p95), and the ratio to it.
 */
export function idleBaseline(camera: { idle: WithP95; idleAfter?: WithP95; during: WithP95 }): { idleP95: number | null; p95Ratio: number | null } {
  const idles = [camera.idle, camera.idleAfter].map((f) => f?.roundTripMs.p95).filter((p): p is number => typeof p === 'number' && p > 0);
  const idleP95 = idles.length > 0 ? Math.min(...idles) : null;
  const during = camera.during.roundTripMs.p95;
  return { idleP95, p95Ratio: idleP95 !== null && typeof during === 'number' ? +(during / idleP95).toFixed(2) : null };
}
