// Which auth mode a server runs in, and which browser origins it accepts (CORS and the WebSocket).
import type { Config } from '../config.js';

export type AuthMode = 'open' | 'keys';

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** AUTH_MODE when set; otherwise open on a loopback address only, keys everywhere else. */
export function resolveAuthMode(config: Pick<Config, 'AUTH_MODE' | 'HOST'>): AuthMode {
  return config.AUTH_MODE ?? (isLoopbackHost(config.HOST) ? 'open' : 'keys');
}

export function parseOrigins(list: string): string[] {
  return list
    .split(',')
    .map((s) => s.trim().replace(/\/+$/, ''))
    .filter(Boolean);
}

/**
 * True when a browser at `origin` may call us: no Origin header (not a browser), the server's own origin
 * (same host as the request's Host header), `*`, or a listed origin.
 */
export function originAllowed(origin: string | undefined, host: string | undefined, allowed: string[]): boolean {
  if (!origin) return true;
  if (allowed.includes('*') || allowed.includes(origin.replace(/\/+$/, ''))) return true;
  try {
    return host !== undefined && new URL(origin).host.toLowerCase() === host.toLowerCase();
  } catch {
    return false;
  }
}
