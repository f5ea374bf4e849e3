// A test client speaking the camera protocol over a real WebSocket.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { PROTOCOL_VERSION, ServerMessage, encodeFrame, wsSubprotocols, type Overlay } from '../../src/shared/protocol.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/faces/', import.meta.url));
export const fixture = (rel: string): Uint8Array => new Uint8Array(fs.readFileSync(path.join(FIXTURES, rel)));
/** A photo of each fixture person (two of Barack Obama) and the two-face group: what the network-equivalence tests embed. */
export const NETWORK_CHECK_PHOTOS = [
  'Amy/1.jpg',
  'Barack_Obama/1.jpg',
  'Barack_Obama/4.jpg',
  'Guido_van_Rossum/2.jpg',
  'Joe_Biden/1.jpg',
  'Lin-Manuel_Miranda/1.jpg',
  'Paul_Allen/3.jpg',
  '_group/obama_and_biden.jpg',
];

type Msg = ServerMessage;

export class TestClient {
  readonly messages: Msg[] = [];
  closed: { code: number; reason: string } | null = null;
  private seq = 0;
  private waiters: { pred: (m: Msg) => boolean; resolve: (m: Msg) => void }[] = [];
  private closeWaiters: ((c: { code: number; reason: string }) => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) throw new Error('server sent a binary message');
      const parsed = ServerMessage.safeParse(JSON.parse(String(data)));
      if (!parsed.success) throw new Error(`server sent an invalid message: ${String(data)}`);
      const msg = parsed.data;
      this.messages.push(msg);
      this.waiters = this.waiters.filter((w) => (w.pred(msg) ? (w.resolve(msg), false) : true));
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      for (const w of this.closeWaiters) w(this.closed);
    });
  }

  static async connect(
    baseUrl: string,
    opts: { hello?: boolean; protocol?: number; kiosk?: boolean; camera?: string; key?: string } = {},
  ): Promise<TestClient> {
    // The key as browsers send it: a subprotocol, not on the URL.
    const ws = new WebSocket(baseUrl.replace(/^http/, 'ws') + '/ws', wsSubprotocols(opts.key ?? null));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const client = new TestClient(ws);
    if (opts.hello !== false) {
      client.sendJson({ type: 'hello', protocol: opts.protocol ?? PROTOCOL_VERSION, camera: opts.camera ?? 'test', ...(opts.kiosk ? { kiosk: true } : {}) });
      if ((opts.protocol ?? PROTOCOL_VERSION) === PROTOCOL_VERSION) await client.next((m) => m.type === 'welcome');
    }
    return client;
  }

  sendJson(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  sendFrame(jpeg: Uint8Array, captureTime = Date.now()): number {
    const seq = ++this.seq;
    this.ws.send(encodeFrame({ seq, captureTime }, jpeg));
    return seq;
  }

  /** Sends a frame and waits for its overlay. `captureTime` (ms) plays a camera's clock; default now. */
  async frame(jpeg: Uint8Array, captureTime?: number): Promise<Overlay> {
    const seq = this.sendFrame(jpeg, captureTime);
    return (await this.next((m) => m.type === 'overlay' && m.seq === seq)) as Overlay;
  }

  next<T extends Msg['type']>(pred: (m: Msg) => boolean, timeoutMs = 30_000, _type?: T): Promise<Msg> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for a message; last: ${JSON.stringify(this.messages.slice(-3))}`)), timeoutMs);
      this.waiters.push({ pred, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  }

  waitClose(timeoutMs = 10_000): Promise<{ code: number; reason: string }> {
    if (this.closed) return Promise.resolve(this.closed);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('socket did not close')), timeoutMs);
      this.closeWaiters.push((c) => (clearTimeout(timer), resolve(c)));
    });
  }

  close(): void {
    this.ws.close();
  }
}
