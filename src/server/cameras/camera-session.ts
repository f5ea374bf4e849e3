// A server-pulled camera's way into recognition: a gateway Session (the same one a browser camera gets) behind an
// in-process socket. Frames go in as the socket's binary messages and overlays come back as its sends, so frame
// intake (newest wins), the pipeline, the scheduler's fair lanes, check-ins and unknown sightings are exactly a socket
// camera's. Nothing of session.ts changes for it.
import { PROTOCOL_VERSION, encodeFrame, type Overlay, type ServerMessage } from '../../shared/protocol.js';
import type { Principal } from '../auth/keys.js';
import { Session, type SessionDeps } from '../gateway/session.js';
import type { SessionSocket } from '../gateway/socket.js';

/** Frames kept by seq until their overlay comes back: the one processed, the one waiting, the newest arrival. */
export const MAX_FRAMES_AWAITING_OVERLAY = 4;
/** Names remembered per camera for the wall, most recent first. */
export const MAX_RECENT_NAMES = 10;

export interface AnnotatedFrame {
  jpeg: Uint8Array;
  overlay: Overlay;
  at: number;
}

export interface SeenName {
  name: string;
  personId: string;
  at: number;
}

export interface CameraSessionEvents {
  /** A frame was processed (its overlay came back). */
  onProcessed(frame: AnnotatedFrame): void;
  /** The session refused a frame or failed on one (bad image, too large, a server fault). */
  onError(code: string, message: string): void;
}

export class CameraSession {
  private session: Session;
  private closed = false;
  private seq = 0;
  private readonly awaiting = new Map<number, Uint8Array>();
  private readonly names = new Map<string, SeenName>();
  latest: AnnotatedFrame | null = null;

  constructor(
    readonly camera: string,
    private readonly deps: SessionDeps,
    private readonly principal: Principal,
    /** Wraps the in-process socket (metrics), as the gateway wraps a WebSocket's. */
    private readonly observe: (socket: SessionSocket) => SessionSocket,
    private readonly events: CameraSessionEvents,
  ) {
    this.session = this.open();
  }

  /** Hands one JPEG to the session; it is processed, or replaced by a newer one while the camera's last frame runs. */
  push(jpeg: Uint8Array, captureTime: number): void {
    if (this.closed) return;
    // A session closes itself after MAX_PROTOCOL_ERRORS bad frames in a row: the camera gets a fresh one.
    if (this.sessionEnded) this.session = this.open();
    this.seq = (this.seq + 1) >>> 0;
    this.awaiting.set(this.seq, jpeg);
    for (const s of this.awaiting.keys()) {
      if (this.awaiting.size <= MAX_FRAMES_AWAITING_OVERLAY) break;
      this.awaiting.delete(s);
    }
    this.session.onBinary(encodeFrame({ seq: this.seq, captureTime }, jpeg));
  }

  /** Frames received, processed and dropped (newest wins) by the current session. */
  get stats(): { received: number; processed: number; dropped: number } {
    return { ...this.session.stats };
  }

  /** Names recognized on this camera, most recent first. */
  recentNames(): SeenName[] {
    return [...this.names.values()].sort((a, b) => b.at - a.at);
  }

  galleryChanged(people: number, faces: number): void {
    this.session.galleryChanged(people, faces);
  }

  /** Stops taking frames and waits for the frame in progress (its check-in or sighting is handed on). */
  async close(): Promise<void> {
    this.closed = true;
    this.session.onClose();
    await this.session.whenIdle();
  }

  private sessionEnded = false;

  private open(): Session {
    this.sessionEnded = false;
    const socket: SessionSocket = {
      bufferedAmount: 0,
      send: (m) => this.receive(m),
      close: () => {
        this.sessionEnded = true;
      },
    };
    const session = new Session(this.observe(socket), this.deps, this.principal);
    session.onText(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, camera: this.camera }));
    return session;
  }

  private receive(m: ServerMessage): void {
    if (m.type === 'overlay') {
      const jpeg = this.awaiting.get(m.seq);
      for (const s of [...this.awaiting.keys()]) if (s <= m.seq) this.awaiting.delete(s);
      if (!jpeg) return;
      const at = Date.now();
      for (const t of m.tracks) {
        if (t.state === 'recognized' && t.name && t.personId) this.names.set(t.personId, { name: t.name, personId: t.personId, at });
      }
      while (this.names.size > MAX_RECENT_NAMES) this.names.delete(this.recentNames().at(-1)!.personId);
      this.latest = { jpeg, overlay: m, at };
      this.events.onProcessed(this.latest);
    } else if (m.type === 'error') {
      this.events.onError(m.code, m.message);
    }
  }
}
