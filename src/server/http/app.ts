// The Hono app: health and readiness, a small people API, and the browser client's static files.
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import type { Gallery } from '../gallery/gallery.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/types.js';
import type { FaceAnalyzer } from '../vision/analyzer.js';

export interface HttpDeps {
  store: Store;
  gallery: Gallery;
  analyzer: FaceAnalyzer;
  log: Logger;
  version: string;
  startedAt: Date;
  publicDir: string;
  sessions: () => number;
  onGalleryChanged: () => void;
}

type ErrorBody = { error: { code: string; message: string } };
const error = (code: string, message: string): ErrorBody => ({ error: { code, message } });

export function createHttpApp(deps: HttpDeps): Hono {
  const app = new Hono();

  app.get('/health', (c) =>
    c.json({
      status: 'ok',
      version: deps.version,
      uptimeSeconds: Math.round((Date.now() - deps.startedAt.getTime()) / 1000),
      inference: { backend: deps.analyzer.backend, tfjs: deps.analyzer.tfVersion, models: deps.analyzer.models, embeddingModel: deps.analyzer.modelId },
      gallery: deps.gallery.stats(),
      database: deps.store.kind,
      sessions: deps.sessions(),
    }),
  );

  app.get('/ready', async (c) => {
    try {
      await deps.store.ping();
      return c.json({ ready: true });
    } catch (err) {
      return c.json({ ready: false, reason: `database unreachable: ${err instanceof Error ? err.message : String(err)}` }, 503);
    }
  });

  app.get('/api/v1/people', async (c) => c.json({ people: await deps.store.listPeople() }));

  app.delete('/api/v1/people/:id', async (c) => {
    const id = c.req.param('id');
    if (!/^[0-9a-f-]{36}$/i.test(id)) return c.json(error('bad_id', 'person id must be a UUID'), 400);
    if (!(await deps.store.deletePerson(id))) return c.json(error('not_found', `no person ${id}`), 404);
    deps.gallery.removePerson(id);
    deps.onGalleryChanged();
    return c.body(null, 204);
  });

  app.get('/enrol', (c) => c.redirect('/enrol.html'));
  app.use('/*', serveStatic({ root: deps.publicDir }));

  app.notFound((c) => c.json(error('not_found', `no route ${c.req.method} ${c.req.path}`), 404));
  app.onError((err, c) => {
    deps.log.error('http error', { path: c.req.path, error: err.message });
    return c.json(error('internal', 'internal server error'), 500);
  });
  return app;
}
