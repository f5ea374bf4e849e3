// WebSocket connection to the server: hello on open, validated server messages, reconnect with exponential backoff.
import { CLOSE_CODES, PROTOCOL_VERSION, ServerMessage, wsSubprotocols } from '../shared/protocol.js';
import type { ClientMessage } from '../shared/protocol.js';

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';
export type MessageOf<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;
type Welcome = MessageOf<'welcome'>;

export interface ConnectionOptions {
  url?: string;
  /** API key (keys mode) for a client other than this server's pages: offered as the `facestream.key.<KEY>` subprotocol, never put on the URL. The pages send none: their socket carries the sign-in cookie. */
  key?: string | null;
  camera?: string;
  client?: string;
  /** Say in hello that this is a sign-in kiosk (gets today's check-ins and every check-in). */
  kiosk?: boolean;
  /** false: an enrolment page, whose session must never record check-ins or unknown sightings. */
  attendance?: boolean;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/** Close codes after which reconnecting cannot help: the server refused us. */
const FATAL_CLOSE_CODES: ReadonlySet<number> = new Set([CLOSE_CODES.unsupportedProtocol, CLOSE_CODES.forbidden]);

/**
 * The camera socket URL on the page's own host. It never carries the key: proxies and access logs keep URLs. The key
 * travels in the Sec-WebSocket-Protocol header instead (wsSubprotocols), the one header a browser lets a page set.
 */
export function wsUrlFor(loc: { protocol: string; host: string } = location): string {
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}/ws`;
}

/** Delay before reconnect attempt number `attempt` (0-based): 0.5 s, 1 s, 2 s, 4 s, 5 s, 5 s, ... */
export function backoffDelay(attempt: number, minMs = 500, maxMs = 5000): number {
  return Math.min(maxMs, minMs * 2 ** Math.max(0, attempt));
}

/** The wait a 1013 ("try again later") close asks for, from its reason's "retry in N s", in ms; null without one. */
export function retryAfterMs(code: number, reason: string): number | null {
  if (code !== CLOSE_CODES.tryAgainLater) return null;
  const s = /retry in (\d+) s/.exec(reason);
  return s ? Number(s[1]) * 1000 : null;
}

export class Connection {
  state: ConnectionState = 'connecting';
  /** Human-readable detail for the current state (close reason, next retry). */
  detail = '';
  /** The server's welcome for the current socket; null until it arrives. */
  welcome: Welcome | null = null;
  private ws: WebSocket | null = null;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private readonly url: string;
  private readonly stateListeners = new Set<(state: ConnectionState, detail: string) => void>();
  private readonly messageListeners = new Map<string, Set<(msg: never) => void>>();

  constructor(private readonly options: ConnectionOptions = {}) {
    this.url = options.url ?? wsUrlFor(location);
  }

  /** The socket is open (hello has been sent). */
  get connected(): boolean {
    return this.state === 'open';
  }

  /** The server has welcomed us, so frames and commands may be sent. */
  get ready(): boolean {
    return this.connected && this.welcome !== null;
  }

  onState(listener: (state: ConnectionState, detail: string) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  on<T extends ServerMessage['type']>(type: T, listener: (msg: MessageOf<T>) => void): () => void {
    let set = this.messageListeners.get(type);
    if (!set) this.messageListeners.set(type, (set = new Set()));
    set.add(listener as (msg: never) => void);
    return () => set.delete(listener as (msg: never) => void);
  }

  start(): void {
    this.stopped = false;
    this.open();
  }

  /** Closes for good: no reconnect. */
  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.ws?.close(1000, 'client stopped');
    this.setState('closed', 'stopped');
  }

  send(message: ClientMessage): boolean {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(message));
    return true;
  }

  sendBinary(bytes: Uint8Array): boolean {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(bytes);
    return true;
  }

  /** Bytes queued in the socket but not yet sent; lets the streamer back off on a slow link. */
  get bufferedAmount(): number {
    return this.ws?.bufferedAmount ?? 0;
  }

  private open(): void {
    this.welcome = null;
    this.setState(this.attempt === 0 ? 'connecting' : 'reconnecting', this.url);
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url, wsSubprotocols(this.options.key ?? null));
    } catch (err) {
      this.scheduleReconnect(err instanceof Error ? err.message : String(err));
      return;
    }
    this.ws = ws;
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      this.send({
        type: 'hello',
        protocol: PROTOCOL_VERSION,
        camera: this.options.camera,
        client: this.options.client,
        ...(this.options.kiosk ? { kiosk: true } : {}),
        ...(this.options.attendance === false ? { attendance: false } : {}),
      } as ClientMessage);
      this.setState('open', '');
    };
    ws.onmessage = (event: MessageEvent) => this.handleMessage(event.data);
    ws.onclose = (event: CloseEvent) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.welcome = null;
      if (this.stopped) return;
      const why = event.reason ? `${event.reason} (${event.code})` : `closed (${event.code})`;
      if (FATAL_CLOSE_CODES.has(event.code)) this.setState('closed', why);
      else this.scheduleReconnect(why, retryAfterMs(event.code, event.reason));
    };
    // Errors are always followed by close; nothing to do here but keep the console quiet.
    ws.onerror = () => undefined;
  }

  private handleMessage(data: unknown): void {
    if (typeof data !== 'string') {
      console.warn('ignoring binary message from server');
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      console.warn('ignoring server message that is not JSON', data.slice(0, 200));
      return;
    }
    const parsed = ServerMessage.safeParse(json);
    if (!parsed.success) {
      console.warn('ignoring invalid server message', parsed.error.issues[0], data.slice(0, 200));
      return;
    }
    const msg = parsed.data;
    if (msg.type === 'welcome') {
      this.welcome = msg;
      this.attempt = 0;
    }
    for (const listener of this.messageListeners.get(msg.type) ?? []) {
      try {
        (listener as (m: ServerMessage) => void)(msg);
      } catch (err) {
        console.error(`listener for ${msg.type} failed`, err);
      }
    }
  }

  /** Reconnects after the backoff, or after `atLeastMs` when the server said how long to wait (1013). */
  private scheduleReconnect(why: string, atLeastMs: number | null = null): void {
    const delay = Math.max(atLeastMs ?? 0, backoffDelay(this.attempt, this.options.minBackoffMs, this.options.maxBackoffMs));
    this.attempt++;
    this.setState('reconnecting', `${why}; retrying in ${(delay / 1000).toFixed(1)} s`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.stopped) this.open();
    }, delay);
  }

  private setState(state: ConnectionState, detail: string): void {
    this.state = state;
    this.detail = detail;
    for (const listener of this.stateListeners) listener(state, detail);
  }
}
