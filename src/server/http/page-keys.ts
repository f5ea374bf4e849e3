// Page URLs never carry keys. An old link or bookmark with `?key=fsk_...` (how a kiosk used to get its key) is
// answered with a redirect that moves the key into the fragment (`#key=`), which browsers never send: the page, its
// scripts and styles then load from URLs without it, and the page takes it off the address bar (client/shell.ts).
// Deprecated: give kiosks `#key=` links. API calls take keys in headers only; a `key` query there is not read.
import type { MiddlewareHandler } from 'hono';

/** Paths that are not pages: the API, metrics, health, the socket. */
const NOT_PAGES = /^\/(api|metrics|health|ready|ws)(\/|$)/;

export function keyOffPageUrls(): MiddlewareHandler {
  return async (c, next) => {
    if ((c.req.method !== 'GET' && c.req.method !== 'HEAD') || NOT_PAGES.test(c.req.path)) return next();
    const url = new URL(c.req.url);
    const key = url.searchParams.get('key');
    if (key === null) return next();
    url.searchParams.delete('key');
    const fragment = new URLSearchParams({ key });
    c.header('Cache-Control', 'no-store');
    return c.redirect(`${url.pathname}${url.search}#${fragment.toString()}`, 303);
  };
}
