// A real MQTT broker for tests: Debian's mosquitto on a free loopback port with its own temporary config. It can be
// stopped and started again on the same port (with its persistence file, as a broker restart keeps sessions).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { tempDir } from './server.js';

/** Why the MQTT suites cannot run here, or null when mosquitto is installed. */
export function mosquittoMissing(): string | null {
  const r = spawnSync('mosquitto', ['-h'], { encoding: 'utf8' });
  return r.error ? `mosquitto is not installed (${(r.error as NodeJS.ErrnoException).code}): apt-get install mosquitto, or npm run bootstrap -- --test` : null;
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

async function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    c.once('connect', () => (c.destroy(), resolve(true)));
    c.once('error', () => resolve(false));
  });
}

export interface Broker {
  url: string;
  port: number;
  start(): Promise<void>;
  /** SIGTERM: mosquitto writes its persistence file and exits. */
  stop(): Promise<void>;
}

export async function startMosquitto(): Promise<Broker> {
  const dir = tempDir('facestream-mosquitto-');
  const port = await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(
    conf,
    [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence true', `persistence_location ${dir}/`, 'log_dest stderr', 'log_type error', ''].join(
      '\n',
    ),
  );
  let child: ChildProcess | null = null;
  const broker: Broker = {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    async start() {
      child = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      const t0 = Date.now();
      while (!(await accepting(port))) {
        if (child.exitCode !== null || Date.now() - t0 > 10_000) throw new Error(`mosquitto did not start: ${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      const c = child;
      child = null;
      if (!c || c.exitCode !== null) return;
      const gone = new Promise<void>((resolve) => c.once('exit', () => resolve()));
      c.kill('SIGTERM');
      await gone;
    },
  };
  await broker.start();
  return broker;
}
