// Step: the HTTP(S) listener with the WebSocket gateway on it. Opened after everything a request or a camera socket
// can reach; closed first of those: the sockets' sessions end, then the listener stops and its connections close.
import { getRequestListener } from '@hono/node-server';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { GatewayAccess } from '../auth/ws-auth.js';
import type { Config } from '../config.js';
import { attachGateway, type Gateway } from '../gateway/gateway.js';
import type { Session, SessionDeps } from '../gateway/session.js';
import type { HttpApp } from '../http/app.js';
import { loadTls } from '../tls.js';

export interface Listener {
  server: Server;
  gateway: Gateway;
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface ListenerDeps {
  config: Config;
  app: HttpApp['app'];
  session: SessionDeps;
  access: GatewayAccess;
  /** The open sessions, shared with the parts that reach them (gallery changes, check-ins, /health). */
  live: Set<Session>;
}

export async function openListener({ config, app, session, access, live }: ListenerDeps): Promise<Listener> {
  const tls = loadTls(config);
  const listener = getRequestListener(app.fetch);
  const server: Server = tls ? createHttpsServer(tls, listener) : createServer(listener);
  const gateway = attachGateway(server, session, access, live);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.PORT, config.HOST, () => resolve());
    });
  } catch (err) {
    // The port is taken, or the address is not this machine's: nothing listens, the gateway's timer stops.
    await gateway.close();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const url = `${tls ? 'https' : 'http'}://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${port}`;
  return {
    server,
    gateway,
    url,
    port,
    async close() {
      await gateway.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    },
  };
}
