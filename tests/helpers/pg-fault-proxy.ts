// A TCP proxy in front of a real PostgreSQL that ends connections the way a restarting server does (FATAL 57P01, then
// close), at moments a real restart only hits by chance: every open connection now, or a new one at its first query.
import net from 'node:net';

/** The ErrorResponse PostgreSQL sends every backend on a fast shutdown ("pg_ctl stop -m fast") before closing it. */
function adminShutdownError(): Buffer {
  const fields = ['SFATAL', 'VFATAL', 'C57P01', 'Mterminating connection due to administrator command'].map((f) => Buffer.from(`${f}\0`));
  const body = Buffer.concat([...fields, Buffer.from([0])]);
  const header = Buffer.alloc(5);
  header.write('E', 0, 'latin1');
  header.writeUInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

export interface PgFaultProxy {
  /** postgres://... through the proxy, to database `db`. */
  url(db: string): string;
  /** Ends every open connection as a fast shutdown does; resolves once the client has closed its end of each. */
  terminateAll(): Promise<void>;
  /** The next connection opened is ended the same way when it sends its first query (after its startup). */
  failNextFirstQuery(): void;
  /** New connections wait (their bytes unread) until resume(): with terminateAll(), an outage that lasts. */
  pause(): void;
  resume(): void;
  /** Connections ended by the two calls above, so far. */
  readonly terminated: number;
  close(): Promise<void>;
}

export async function startPgFaultProxy(target: { host: string; port: number }): Promise<PgFaultProxy> {
  /** Client socket -> its socket to PostgreSQL. */
  const open = new Map<net.Socket, net.Socket>();
  let armed = false;
  let terminated = 0;
  const terminate = (client: net.Socket, upstream: net.Socket) => {
    terminated += 1;
    upstream.destroy();
    client.end(adminShutdownError());
  };
  let paused = false;
  const waiting: net.Socket[] = [];
  const server = net.createServer((client) => {
    if (!paused) return connect(client);
    // Unread until resume(): a socket without a 'data' listener buffers what the client sends.
    waiting.push(client);
    client.on('error', () => {});
  });
  const connect = (client: net.Socket) => {
    if (client.destroyed) return;
    const upstream = net.connect(target.port, target.host);
    const failFirstQuery = armed;
    armed = false;
    let started = false;
    open.set(client, upstream);
    client.on('data', (chunk) => {
      // The startup packet has no type byte; a query starts with 'P' (extended protocol) or 'Q' (simple).
      const query = started && (chunk[0] === 0x50 || chunk[0] === 0x51);
      started = true;
      if (query && failFirstQuery && !upstream.destroyed) return terminate(client, upstream);
      if (!upstream.destroyed) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    upstream.on('close', () => client.end());
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.on('close', () => {
      open.delete(client);
      upstream.destroy();
    });
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: (db) => `postgres://postgres@127.0.0.1:${port}/${db}`,
    async terminateAll() {
      const closed = [...open].map(([client, upstream]) => {
        const gone = new Promise((resolve) => client.once('close', resolve));
        terminate(client, upstream);
        return gone;
      });
      await Promise.all(closed);
    },
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
      for (const client of waiting.splice(0)) connect(client);
    },
    failNextFirstQuery() {
      armed = true;
    },
    get terminated() {
      return terminated;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of [...open.keys(), ...waiting]) client.destroy();
        server.close(() => resolve());
      }),
  };
}
