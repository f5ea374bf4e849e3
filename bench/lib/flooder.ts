// Hostile camera clients for the "stalls" suite, in a process of their own (so their CPU is not the measuring
// camera's event loop): each sends pings and frames as fast as its own socket takes them, never waiting for an
// answer, and reads slowly (its TCP socket is paused, and read for `readMs` every `readEveryMs`), so the server's send
// queue for it fills. A client the server cuts off (its message budget, MAX_SEND_BUFFER_BYTES, too many errors) or
// refuses connects again 100 ms later.
// Usage: node --import tsx bench/lib/flooder.ts URL CLIENTS FRAME.jpg [pings|pings+frames]; stops on SIGTERM and prints
// its counts as one JSON line.
import fs from 'node:fs';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { PROTOCOL_VERSION, encodeFrame } from '../../src/shared/protocol.js';

const [url, clientsArg, framePath, mode = 'pings+frames'] = process.argv.slice(2);
if (!url || !clientsArg || !framePath) throw new Error('usage: flooder.ts URL CLIENTS FRAME.jpg [pings|pings+frames]');
const wsUrl = `${url.replace(/^http/, 'ws')}/ws`;
const jpeg = new Uint8Array(fs.readFileSync(framePath));
const withFrames = mode === 'pings+frames';
/** The client's own outgoing queue is kept under this, so the flood is as fast as the connection, not this process's memory. */
const CLIENT_QUEUE_BYTES = 256 * 1024;
const READ_EVERY_MS = 1000;
const READ_MS = 20;

const counts = { connects: 0, pings: 0, frames: 0, closedByServer: {} as Record<string, number>, refusedUpgrades: {} as Record<string, number> };
let stopping = false;

function client(i: number): void {
  const ws = new WebSocket(wsUrl);
  counts.connects++;
  let seq = 0;
  let pump: NodeJS.Immediate | undefined;
  let reader: NodeJS.Timeout | undefined;
  let refused = false;
  ws.on('open', () => {
    ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, camera: `flood-${i}`, client: 'facestream-bench-flooder' }));
    const socket = (ws as unknown as { _socket: Socket })._socket;
    socket.pause();
    reader = setInterval(() => {
      socket.resume();
      setTimeout(() => socket.pause(), READ_MS);
    }, READ_EVERY_MS);
    const send = () => {
      if (stopping || ws.readyState !== WebSocket.OPEN) return;
      for (let n = 0; n < 50 && ws.bufferedAmount < CLIENT_QUEUE_BYTES; n++) {
        ws.send(JSON.stringify({ type: 'ping', t: Date.now() }));
        counts.pings++;
      }
      if (withFrames && ws.bufferedAmount < CLIENT_QUEUE_BYTES) {
        ws.send(encodeFrame({ seq: ++seq, captureTime: Date.now() }, jpeg));
        counts.frames++;
      }
      pump = setImmediate(send);
    };
    send();
  });
  ws.on('close', (code) => {
    clearImmediate(pump);
    clearInterval(reader);
    if (stopping) return;
    if (!refused) counts.closedByServer[code] = (counts.closedByServer[code] ?? 0) + 1;
    setTimeout(() => client(i), 100);
  });
  // An upgrade answered with an HTTP status (429 during the server's flood cooldown) never became a socket.
  ws.on('error', (err) => {
    const status = /Unexpected server response: (\d+)/.exec(err.message)?.[1];
    if (status === undefined) return;
    refused = true;
    counts.refusedUpgrades[status] = (counts.refusedUpgrades[status] ?? 0) + 1;
  });
}

const clients = Number(clientsArg);
for (let i = 0; i < clients; i++) client(i);
// The suite measures once the flood is under way: told when every client has made its first attempt.
const started = setInterval(() => {
  if (counts.connects < clients) return;
  clearInterval(started);
  process.stdout.write(`${JSON.stringify({ started: true })}\n`);
}, 10);
process.once('SIGTERM', () => {
  stopping = true;
  process.stdout.write(`${JSON.stringify(counts)}\n`);
  process.exit(0);
});
