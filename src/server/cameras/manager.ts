// Runs the enabled cameras of the database: one CameraSource (ffmpeg) and CameraSession (recognition) each. Started
// with the server, stopped at shutdown, and told of every REST change (a camera is restarted on any change). With
// CAMERA_SOURCES=false this server pulls none (another server sharing the database does); status says so.
import type { Principal } from '../auth/keys.js';
import type { SessionDeps } from '../gateway/session.js';
import type { SessionSocket } from '../gateway/socket.js';
import type { Logger } from '../log.js';
import type { CameraRow, CamerasRepo } from '../store/cameras-repo.js';
import { CameraSession, type AnnotatedFrame, type SeenName } from './camera-session.js';
import { renderSnapshot } from './snapshot.js';
import { CameraSource, type SourceSettings, type SourceStatus } from './camera-source.js';

export type CameraState = SourceStatus['state'] | 'disabled' | 'not_pulled';

export type CameraStatus = Omit<SourceStatus, 'state'> & { state: CameraState; recentNames: { name: string; personId: string; at: string }[] };

export interface CameraManagerDeps {
  repo: CamerasRepo;
  session: SessionDeps;
  settings: SourceSettings;
  /** Wraps each camera session's in-process socket (metrics count its overlays as they do a WebSocket's). */
  observe?: (socket: SessionSocket) => SessionSocket;
  /** False: this server pulls no camera (CAMERA_SOURCES). */
  pull: boolean;
  log: Logger;
}

const idle = (state: CameraState): CameraStatus => ({
  state,
  connected: false,
  fpsIn: 0,
  fpsProcessed: 0,
  framesIn: 0,
  framesProcessed: 0,
  framesDropped: 0,
  framesOversized: 0,
  lastFrameAt: null,
  connectedSince: null,
  lastError: null,
  lastErrorAt: null,
  reconnects: 0,
  nextRetryAt: null,
  ffmpegLog: [],
  recentNames: [],
});

const namesJson = (names: SeenName[]) => names.map((n) => ({ name: n.name, personId: n.personId, at: new Date(n.at).toISOString() }));

export class CameraManager {
  private readonly running = new Map<string, CameraSource>();
  /** Per camera, the change being applied: changes to one camera are applied in order, never two at once. */
  private readonly pending = new Map<string, Promise<void>>();
  private closed = false;

  constructor(private readonly deps: CameraManagerDeps) {}

  /** Starts every enabled camera in the database. */
  async start(): Promise<void> {
    if (!this.deps.pull) return;
    try {
      const rows = await this.deps.repo.list();
      await Promise.all(rows.map((row) => this.apply(row)));
      this.deps.log.info('cameras started', { cameras: rows.length, enabled: rows.filter((r) => r.enabled).length });
    } catch (err) {
      // The database went away during start: the server still serves; a change over REST starts the camera.
      this.deps.log.error('could not read the cameras to start them', { error: String(err) });
    }
  }

  /** The camera was created or changed: (re)started when enabled, stopped when not. */
  apply(row: CameraRow): Promise<void> {
    return this.serial(row.id, async () => {
      await this.stopOne(row.id);
      if (!row.enabled || !this.deps.pull || this.closed) return;
      this.startOne(row);
    });
  }

  /** The camera was deleted. */
  remove(id: string): Promise<void> {
    return this.serial(id, () => this.stopOne(id));
  }

  status(row: CameraRow): CameraStatus {
    const source = this.running.get(row.id);
    if (!source) return idle(!this.deps.pull ? 'not_pulled' : 'disabled');
    return { ...source.status(), recentNames: namesJson(source.session.recentNames()) };
  }

  /** The latest processed frame and its overlay, or null before the first one. */
  latest(id: string): AnnotatedFrame | null {
    return this.running.get(id)?.session.latest ?? null;
  }

  /** The latest processed frame with its overlay drawn in, or null before the first one. */
  async snapshot(id: string): Promise<{ jpeg: Buffer; at: number } | null> {
    const frame = this.latest(id);
    return frame ? { jpeg: await renderSnapshot(frame), at: frame.at } : null;
  }

  galleryChanged(people: number, faces: number): void {
    for (const s of this.running.values()) s.session.galleryChanged(people, faces);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.pending.values()]);
    await Promise.all([...this.running.keys()].map((id) => this.stopOne(id)));
  }

  private startOne(row: CameraRow): void {
    const principal: Principal = { role: 'operator', keyId: null, name: `camera ${row.name}` };
    // The session reports to its source, which is made with it: the callbacks find it once it exists.
    const ref: { source?: CameraSource } = {};
    const session = new CameraSession(row.name, this.deps.session, principal, this.deps.observe ?? ((s) => s), {
      onProcessed: () => ref.source?.processed(),
      onError: (code, message) => ref.source?.frameError(code, message),
    });
    const source = new CameraSource({ id: row.id, name: row.name, url: row.url, maxFps: row.maxFps }, session, this.deps.settings, this.deps.log);
    ref.source = source;
    this.running.set(row.id, source);
    source.start();
  }

  private async stopOne(id: string): Promise<void> {
    const source = this.running.get(id);
    if (!source) return;
    this.running.delete(id);
    await source.stop();
  }

  private serial(id: string, fn: () => Promise<void>): Promise<void> {
    const next = (this.pending.get(id) ?? Promise.resolve()).then(fn, fn);
    const tracked = next.finally(() => {
      if (this.pending.get(id) === tracked) this.pending.delete(id);
    });
    this.pending.set(id, tracked);
    return next;
  }
}
