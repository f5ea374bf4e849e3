// Which auth mode a server runs in, and which requests it takes from where: browser origins (CORS, the WebSocket,
// cross-site writes) and, in open mode, which Host names (loopback only, against DNS rebinding).
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

// A Host header: a DNS name or IPv4 address, or a bracketed IPv6 address, and an optional port. Nothing else (no
// userinfo, no path) so that the URL parser below cannot be talked into another host.
const HOST_HEADER = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/i;

/** The host name of a Host header, lower case and without the port (IPv6 in brackets), or null when malformed. */
export function hostName(host: string | undefined): string | null {
  if (!host || !HOST_HEADER.test(host)) return null;
  try {
    // WHATWG URL parsing, as the browser did: `127.1` and `0x7f.0.0.1` are 127.0.0.1, `[0:0::1]` is [::1].
    return new URL(`http://${host}`).hostname;
  } catch {
    return null;
  }
}

/**
 * True when a request with this Host header may be served. Open mode trusts whoever can reach the port, so it must be
 * reached by a loopback name: a web page whose own DNS name was rebound to 127.0.0.1 sends that name as Host and is
 * refused. In keys mode every request carries its key, which a foreign page does not have, so any Host is fine.
 */
export function hostAllowed(mode: AuthMode, host: string | undefined): boolean {
  if (mode === 'keys') return true;
  const name = hostName(host);
  return name !== null && isLoopbackHost(name);
}

export function parseOrigins(list: string): string[] {
  return list
    .split(',')
    .map((s) => s.trim().replace(/\/+$/, ''))
    .filter(Boolean);
}

/** True when `origin` is listed in ALLOWED_ORIGINS (or the list holds `*`): only these get CORS headers. */
export function originListed(origin: string, allowed: string[]): boolean {
  return allowed.includes('*') || allowed.includes(origin.replace(/\/+$/, ''));
}

/** True when `origin` is this server's own: same host and port as the request's Host header. */
export function isOwnOrigin(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host.toLowerCase() === host.toLowerCase();
  } catch {
    return false;
  }
}

/**
 * True when a browser at `origin` may call us: no Origin header (not a browser), the server's own origin
 * (same host as the request's Host header), `*`, or a listed origin.
 */
export function originAllowed(origin: string | undefined, host: string | undefined, allowed: string[]): boolean {
  if (!origin) return true;
  return originListed(origin, allowed) || isOwnOrigin(origin, host);
}

export interface RequestSource {
  host: string | undefined;
  origin: string | undefined;
  referer: string | undefined;
  /** The Sec-Fetch-Site fetch metadata header: same-origin, same-site, cross-site or none. */
  fetchSite: string | undefined;
}

/**
 * Null when a state-changing request may come from where it says it comes from, else why not (CSRF). Browsers send
 * Origin on every cross-origin POST, PATCH and DELETE; without it Sec-Fetch-Site, then Referer, tell a foreign page.
 * A request with none of them is not from a browser page (curl, scripts) and is allowed.
 */
export function crossOriginRefusal(src: RequestSource, allowed: string[]): string | null {
  if (src.origin !== undefined) {
    return originAllowed(src.origin, src.host, allowed)
      ? null
      : `requests from the page at ${src.origin} may not change anything here (not this server's origin nor in ALLOWED_ORIGINS)`;
  }
  const site = src.fetchSite?.toLowerCase();
  if (site === 'cross-site' || site === 'same-site') return `a ${site} request without an Origin may not change anything here`;
  if (src.referer !== undefined) {
    let from: string;
    try {
      from = new URL(src.referer).origin;
    } catch {
      return 'the Referer of this request is not a URL';
    }
    return originAllowed(from, src.host, allowed)
      ? null
      : `requests from the page at ${from} may not change anything here (not this server's origin nor in ALLOWED_ORIGINS)`;
  }
  return null;
}
