// Builds and starts the whole server from a config: store, models, gallery, HTTP and the WebSocket gateway.
// main.ts calls it for the real process; integration tests call it on port 0.
import { getRequestListener } from '@hono/node-server';
import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from './config.js';
import { createGallery, type Gallery } from './gallery/gallery.js';
import { defaultIndexFactory, type IndexFactory } from './gallery/vector-index.js';
import { attachGateway, type Gateway } from './gateway/gateway.js';
import { createHttpApp } from './http/app.js';
import type { Logger } from './log.js';
import { openStore } from './store/db.js';
import type { Store } from './store/types.js';
import { createFaceAnalyzer, warmUp, type FaceAnalyzer } from './vision/analyzer.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const VERSION: string = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;

export interface RunningServer {
  url: string;
  port: number;
  store: Store;
  gallery: Gallery;
  analyzer: FaceAnalyzer;
  gateway: Gateway;
  close(): Promise<void>;
}

export interface StartOptions {
  log: Logger;
  /** Reuse already loaded models (tests restart the server without reloading them). */
  analyzer?: FaceAnalyzer;
  indexFactory?: IndexFactory;
}

export async function startServer(config: Config, opts: StartOptions): Promise<RunningServer> {
  const { log } = opts;
  const startedAt = new Date();
  const store = await openStore({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, log: (m) => log.info(m) });
  try {
    const t0 = performance.now();
    const analyzer = opts.analyzer ?? (await createFaceAnalyzer(config, (m) => log.warn(m)));
    if (!opts.analyzer) {
      const warm = await warmUp(analyzer, fs.readFileSync(path.join(ROOT, 'models', 'warmup.jpg')));
      log.info('models ready', { backend: analyzer.backend, tfjs: analyzer.tfVersion, models: analyzer.models, loadMs: Math.round(performance.now() - t0), warmUpMs: Math.round(warm) });
    }
    const stale = await store.countFacesNotFromModel(analyzer.modelId);
    if (stale > 0) log.warn(`${stale} stored faces were embedded by another model and are not searched; re-enrol them`, { model: analyzer.modelId });
    const gallery = await createGallery({ store, modelId: analyzer.modelId, dims: analyzer.dims, indexFactory: opts.indexFactory ?? defaultIndexFactory() });
    log.info('gallery loaded', { ...gallery.stats() });

    let gateway: Gateway | undefined;
    const onGalleryChanged = () => {
      const s = gallery.stats();
      gateway?.broadcastGalleryChanged(s.people, s.faces);
    };
    const app = createHttpApp({
      store, gallery, analyzer, log, version: VERSION, startedAt,
      publicDir: path.relative(process.cwd(), path.join(ROOT, 'public')) || '.',
      sessions: () => gateway?.sessions().length ?? 0,
      onGalleryChanged,
    });
    const server: Server = createServer(getRequestListener(app.fetch));
    gateway = attachGateway(server, {
      config, analyzer, gallery, log, serverVersion: VERSION,
      enrolment: { store, gallery, modelId: analyzer.modelId, onGalleryChanged },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.PORT, config.HOST, () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    const url = `http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${port}`;
    const g = gateway;
    return {
      url, port, store, gallery, analyzer, gateway: g,
      async close() {
        await g.close();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await store.close();
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}
