// Live page entry: webcam video with the overlay canvas on top, connection status, fps/latency/dropped and track labels.
// Also exports startLiveView() so the enrolment page can reuse the same view.
import type { Overlay } from '../shared/protocol.js';
import { openCamera } from './camera.js';
import type { Camera } from './camera.js';
import { Connection } from './connection.js';
import type { ConnectionState } from './connection.js';
import { drawOverlay, labelFor, livenessText } from './overlay.js';
import { Streamer } from './streamer.js';

/** Overlays older than this are no longer drawn (server stalled or connection lost). */
const STALE_MS = 3000;

export interface LiveView {
  connection: Connection;
  /** Resolves to the streamer once the camera is open; rejects if it cannot be opened. */
  streamer: Promise<Streamer>;
  /** Shows a message in the #error element (empty string clears it). */
  showError(message: string): void;
}

/** document.getElementById that throws when the page lacks the element. */
export function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page is missing element #${id}`);
  return el as T;
}

const STATE_TEXT: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  open: 'Connected',
  reconnecting: 'Reconnecting…',
  closed: 'Disconnected',
};

export function startLiveView(opts: { kiosk?: boolean } = {}): LiveView {
  const video = byId<HTMLVideoElement>('video');
  const canvas = byId<HTMLCanvasElement>('overlay');
  const status = byId('status');
  const fpsEl = byId('fps');
  const latencyEl = byId('latency');
  const droppedEl = byId('dropped');
  const tracksEl = byId('tracks');
  const errorEl = document.getElementById('error');
  const galleryEl = document.getElementById('gallery');
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('2D canvas is not available');

  const showError = (message: string): void => {
    if (!errorEl) return;
    errorEl.textContent = message;
    errorEl.hidden = message === '';
  };

  const params = new URLSearchParams(location.search);
  const connection = new Connection({ camera: (params.get('camera') ?? 'browser').slice(0, 100), client: 'facestream-web/0.1', kiosk: opts.kiosk });
  let latest: Overlay | null = null;
  let latestAt = 0;

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
    drawOverlay(ctx, fresh, w, h);
  };

  const renderTracks = (overlay: Overlay | null): void => {
    const items = (overlay?.tracks ?? []).map((t) => {
      const li = document.createElement('li');
      li.dataset.trackId = String(t.id);
      li.dataset.state = t.state;
      li.textContent = labelFor(t);
      const scores = livenessText(t);
      if (scores) li.title = scores;
      if (t.liveOk !== undefined) li.dataset.live = String(t.liveOk);
      return li;
    });
    tracksEl.replaceChildren(...items);
  };

  connection.onState((state, detail) => {
    status.dataset.state = state;
    status.textContent = detail && state !== 'open' ? `${STATE_TEXT[state]} ${detail}` : STATE_TEXT[state];
    if (state !== 'open') {
      latest = null;
      renderTracks(null);
      redraw();
    }
  });
  connection.on('overlay', (o) => {
    latest = o;
    latestAt = performance.now();
    renderTracks(o);
    redraw();
  });
  connection.on('error', (e) => showError(`${e.code}: ${e.message}`));
  connection.on('gallery.changed', (g) => {
    if (galleryEl) galleryEl.textContent = `${g.people} people, ${g.faces} faces`;
  });
  connection.start();
  window.addEventListener('resize', redraw);

  const streamer = openCamera(video).then((camera: Camera) => {
    const s = new Streamer(camera, connection);
    s.start();
    return s;
  });
  streamer.catch((err: unknown) => showError(`Camera: ${err instanceof Error ? err.message : String(err)}`));

  let current: Streamer | null = null;
  void streamer.then((s) => (current = s), () => undefined);
  setInterval(() => {
    const st = current?.stats();
    fpsEl.textContent = st ? st.fps.toFixed(1) : '–';
    latencyEl.textContent = st?.latencyP50 != null ? `${Math.round(st.latencyP50)} ms` : '–';
    droppedEl.textContent = st ? String(st.dropped) : '–';
    if (latest && performance.now() - latestAt >= STALE_MS) {
      latest = null;
      renderTracks(null);
      redraw();
    }
  }, 250);

  return { connection, streamer, showError };
}

if (document.body.dataset.page === 'live') startLiveView();
