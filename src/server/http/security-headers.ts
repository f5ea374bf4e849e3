// Security headers on every response, pages and API alike (hono's secureHeaders). The pages load only their own
// files: module scripts from /build, /style.css, images from the API as blob: URLs (a photo behind the key) and the
// empty data: favicon, the camera as a MediaStream, the socket and the API on the same origin. Nothing inline runs
// (the API docs page loads its start-up script as a file), nothing may frame a page (the kiosk is a full page), and
// no URL is sent on as a Referer.
import { secureHeaders } from 'hono/secure-headers';

const SELF = "'self'";

export const CONTENT_SECURITY_POLICY = {
  defaultSrc: [SELF],
  scriptSrc: [SELF],
  styleSrc: [SELF],
  imgSrc: [SELF, 'data:', 'blob:'],
  mediaSrc: [SELF, 'blob:'],
  // 'self' covers ws: and wss: on the same host and port (CSP level 3).
  connectSrc: [SELF],
  fontSrc: [SELF],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: [SELF],
  frameAncestors: ["'none'"],
};

/**
 * `otherOrigins`: ALLOWED_ORIGINS lists pages elsewhere that may use this server. Then its responses may be read
 * across origins (Cross-Origin-Resource-Policy: cross-origin; CORS and the origin checks still decide what they may
 * do), else only by its own pages (same-origin).
 */
export const securityHeaders = (otherOrigins: boolean) =>
  secureHeaders({
    crossOriginResourcePolicy: otherOrigins ? 'cross-origin' : 'same-origin',
    contentSecurityPolicy: CONTENT_SECURITY_POLICY,
    referrerPolicy: 'no-referrer',
    xFrameOptions: 'DENY',
    xContentTypeOptions: 'nosniff',
    // A self-hosted server often starts on a self-signed certificate (npm run cert): HSTS would lock browsers out of
    // clicking through it, and over plain HTTP it means nothing. A TLS-terminating proxy can add it.
    strictTransportSecurity: false,
    permissionsPolicy: { camera: ['self'], microphone: [], geolocation: [] },
  });
