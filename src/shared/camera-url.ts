// Camera URLs: which sources are accepted (rtsp(s)://, http(s):// MJPEG, a local V4L2 device), how credentials in them
// are hidden (never logged, never returned), and how a patch that sends the hidden form back keeps the stored ones.

/** A local video device: only V4L2 device nodes, so an operator cannot make ffmpeg read arbitrary files. */
const DEVICE_RE = /^\/dev\/video\d{1,3}$/;
const SCHEMES = ['rtsp:', 'rtsps:', 'http:', 'https:'];
/** What the API shows instead of a URL's user and password. */
export const HIDDEN = '***';

export type CameraKind = 'rtsp' | 'http' | 'device';

export type ParsedCameraUrl = { ok: true; kind: CameraKind } | { ok: false; message: string };

export function parseCameraUrl(url: string): ParsedCameraUrl {
  if (DEVICE_RE.test(url)) return { ok: true, kind: 'device' };
  if (url.startsWith('/')) return { ok: false, message: 'a local camera must be a video device such as /dev/video0' };
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { ok: false, message: 'not a URL: use rtsp://host/path, http(s)://host/path (MJPEG) or /dev/videoN' };
  }
  if (!SCHEMES.includes(u.protocol)) return { ok: false, message: `scheme ${u.protocol} is not supported: use rtsp, rtsps, http or https` };
  if (!u.hostname) return { ok: false, message: 'the URL names no host' };
  return { ok: true, kind: u.protocol.startsWith('rtsp') ? 'rtsp' : 'http' };
}

/** The URL as anyone but the camera manager sees it: `rtsp://***@host/path` when it carries a user or password. */
export function redactUrl(url: string): string {
  if (parseCameraUrl(url).ok && !url.startsWith('/')) {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = HIDDEN;
      u.password = '';
      return u.toString();
    }
    return url;
  }
  return redactText(url, url);
}

export function hasCredentials(url: string): boolean {
  if (url.startsWith('/')) return false;
  try {
    const u = new URL(url);
    return u.username !== '' || u.password !== '';
  } catch {
    return false;
  }
}

/**
 * A URL from a patch, with the stored credentials kept where it sends the hidden form back (`rtsp://***@host/…`, what
 * the API returned) or names the same user without a password. A URL with other credentials replaces them; one with
 * none has none.
 */
export function mergeCredentials(next: string, stored: string): string {
  if (next.startsWith('/') || stored.startsWith('/')) return next;
  let n: URL;
  let s: URL;
  try {
    n = new URL(next);
    s = new URL(stored);
  } catch {
    return next;
  }
  const keep = (n.username === HIDDEN && n.password === '') || (n.username !== '' && n.username === s.username && n.password === '');
  if (!keep) return next;
  n.username = s.username;
  n.password = s.password;
  return n.toString();
}

/**
 * Any text (ffmpeg's stderr, an error message) with URL credentials removed: every `scheme://user:pass@` becomes
 * `scheme://***@`, and the camera's own user and password are blanked wherever else they appear (decoded or not).
 */
export function redactText(text: string, url: string): string {
  let out = text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, `$1${HIDDEN}@`);
  if (!url.startsWith('/')) {
    try {
      const u = new URL(url);
      for (const secret of [u.password, u.username]) {
        if (secret.length < 3) continue; // too short to blank without mangling the text
        for (const form of new Set([secret, safeDecode(secret)])) out = out.split(form).join(HIDDEN);
      }
    } catch {
      // not a URL: nothing more to blank
    }
  }
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
