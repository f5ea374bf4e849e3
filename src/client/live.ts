// Live page entry: webcam video with the overlay canvas on top, connection status, fps/latency/dropped, gallery size and
// track labels. Also exports startLiveView() so the enrolment and kiosk pages reuse the same view.
import type { Overlay } from '../shared/protocol.js';
import { openCamera } from './camera.js';
import type { Camera } from './camera.js';
import { Connection } from './connection.js';
import type { ConnectionState, MessageOf } from './connection.js';
import { byId } from './dom.js';
import { drawOverlay, labelFor, livenessText, scoreTooltip } from './overlay.js';
import type { Api, Session } from './session.js';
import { boot } from './shell.js';
import { Streamer } from './streamer.js';

export { byId } from './dom.js';

/** Overlays older than this are no longer drawn (server stalled or connection lost). */
const STALE_MS = 3000;

export interface LiveView {
  connection: Connection;
  /** Resolves to the streamer once the camera is open; rejects if it cannot be opened. */
  streamer: Promise<Streamer>;
  /** Shows a message in the #error element (empty string clears it). */
  showError(message: string): void;
  /** The newest overlay still on screen (null when stale). */
  latest(): Overlay | null;
}

export interface LiveViewOptions {
  session: Session;
  api: Api;
  kiosk?: boolean;
  /** false on the enrolment page: its session records no check-ins or sightings. */
  attendance?: boolean;
  /** Show the camera as a mirror (people turning their head see it turn the same way). */
  mirror?: boolean;
  /** Scores and track ids in labels (false on the kiosk). */
  debug?: boolean;
}

const STATE_TEXT: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  open: 'Connected',
  reconnecting: 'Reconnecting…',
  closed: 'Disconnected',
};

type GallerySize = { people: number; faces: number };

export function startLiveView(opts: LiveViewOptions): LiveView {
  const { api, session } = opts;
  const debug = opts.debug ?? true;
  const video = byId<HTMLVideoElement>('video');
  const canvas = byId<HTMLCanvasElement>('overlay');
  const status = byId('status');
  const fpsEl = document.getElementById('fps');
  const latencyEl = document.getElementById('latency');
  const droppedEl = document.getElementById('dropped');
  const tracksEl = document.getElementById('tracks');
  const errorEl = document.getElementById('error');
  const galleryEl = document.getElementById('gallery');
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('2D canvas is not available');
  if (opts.mirror) video.classList.add('mirrored');

  const showError = (message: string): void => {
    if (!errorEl) return;
    errorEl.textContent = message;
    errorEl.hidden = message === '';
  };

  const params = new URLSearchParams(location.search);
  const connection = new Connection({
    camera: (params.get('camera') ?? 'browser').slice(0, 100),
    client: 'facestream-web/0.2',
    kiosk: opts.kiosk,
    attendance: opts.attendance,
    // No key: the socket's upgrade request carries the browser's sign-in cookie, as every request of the page does.
  });
  let latest: Overlay | null = null;
  let latestAt = 0;
  let threshold: number | null = null;
  let camera: 'opening' | 'open' | 'failed' = 'opening';

  const redraw = (): void => {
    // Backing store follows the element's CSS size so text stays crisp; scaleBox letterboxes like the video does.
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(canvas.clientWidth * dpr));
    const h = Math.max(1, Math.round(canvas.clientHeight * dpr));
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
    }
    const fresh = latest && performance.now() - latestAt < STALE_MS ? latest : null;
    drawOverlay(ctx, fresh, w, h, { mirror: opts.mirror, debug });
  };

  const renderTracks = (overlay: Overlay | null): void => {
    if (!tracksEl) return;
    const items = (overlay?.tracks ?? []).map((t) => {
      const li = document.createElement('li');
      li.dataset.trackId = String(t.id);
      li.dataset.state = t.state;
      li.textContent = labelFor(t, { debug });
      li.title = [scoreTooltip(t, threshold), livenessText(t)].filter(Boolean).join('\n');
      if (t.liveOk !== undefined) li.dataset.live = String(t.liveOk);
      return li;
    });
    tracksEl.replaceChildren(...items);
  };

  // "Connected" only once frames can flow: a socket beside a black video (camera blocked) is not a working page.
  const renderStatus = (): void => {
    const state = connection.state;
    if (camera === 'failed') {
      status.dataset.state = 'closed';
      status.textContent = 'No camera';
      return;
    }
    if (state === 'open' && camera === 'opening') {
      status.dataset.state = 'connecting';
      status.textContent = 'Connected, starting the camera…';
      return;
    }
    status.dataset.state = state;
    status.textContent = connection.detail && state !== 'open' ? `${STATE_TEXT[state]} ${connection.detail}` : STATE_TEXT[state];
  };

  const showGallery = (g: GallerySize): void => {
    if (!galleryEl) return;
    galleryEl.dataset.people = String(g.people);
    galleryEl.textContent = g.people === 0 ? 'No one enrolled yet' : `${g.people} ${g.people === 1 ? 'person' : 'people'}, ${g.faces} faces enrolled`;
  };
  const loadIndexStats = (): void => {
    api
      .get<GallerySize & { threshold: number }>('/api/v1/index')
      .then((ix) => {
        threshold = ix.threshold;
        showGallery(ix);
      })
      .catch(() => undefined);
  };

  connection.onState((state) => {
    renderStatus();
    if (state !== 'open') {
      latest = null;
      renderTracks(null);
      redraw();
    }
  });
  connection.on('welcome', (m: MessageOf<'welcome'>) => {
    const { gallery: g, matchThreshold } = m as { gallery?: GallerySize; matchThreshold?: number };
    if (g) showGallery(g);
    if (typeof matchThreshold === 'number') threshold = matchThreshold;
    if (!g || threshold === null) loadIndexStats();
  });
  connection.on('overlay', (o) => {
    latest = o;
    latestAt = performance.now();
    renderTracks(o);
    redraw();
  });
  connection.on('error', (e) =>
    showError((e.code as string) === 'forbidden' ? `Not allowed for a ${session.role} key: ${e.message}` : `${e.code}: ${e.message}`),
  );
  connection.on('gallery.changed', (g) => showGallery(g));
  connection.start();
  window.addEventListener('resize', redraw);

  const streamer = openCamera(video).then((cam: Camera) => {
    camera = 'open';
    renderStatus();
    const s = new Streamer(cam, connection);
    s.start();
    return s;
  });
  streamer.catch((err: unknown) => {
    camera = 'failed';
    const denied = err instanceof DOMException && (err.name === 'NotAllowedError' || err.name === 'SecurityError');
    showError(
      denied ? 'Camera: access was refused. Allow the camera for this site and reload.' : `Camera: ${err instanceof Error ? err.message : String(err)}`,
    );
    connection.stop(); // nothing to stream; don't hold a session on the server
    renderStatus();
  });

  let current: Streamer | null = null;
  void streamer.then(
    (s) => (current = s),
    () => undefined,
  );
  setInterval(() => {
    const st = current?.stats();
    if (fpsEl) fpsEl.textContent = st ? st.fps.toFixed(1) : '–';
    if (latencyEl) latencyEl.textContent = st?.latencyP50 != null ? `${Math.round(st.latencyP50)} ms` : '–';
    if (droppedEl) droppedEl.textContent = st ? String(st.dropped) : '–';
    if (latest && performance.now() - latestAt >= STALE_MS) {
      latest = null;
      renderTracks(null);
      redraw();
    }
  }, 250);

  return { connection, streamer, showError, latest: () => latest };
}

if (document.body.dataset.page === 'live') {
  void boot('live').then(({ session, api }) => startLiveView({ session, api }));
}
