// The OpenAPI document (/api/openapi.json, generated from the routes' zod schemas) and a browsable UI (/api/docs)
// served from the local swagger-ui-dist package: no CDN.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { AuthMode } from '../auth/mode.js';
import type { App } from './context.js';
import { errorResponse } from './errors.js';

const swaggerDir = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Facestream API</title>
<link rel="stylesheet" href="/api/docs/swagger-ui.css"><link rel="icon" href="/api/docs/favicon-32x32.png"></head>
<body><div id="ui"></div><script src="/api/docs/swagger-ui-bundle.js"></script><script src="/api/docs/init.js"></script>
</body></html>`;
// A file, not an inline script: the Content-Security-Policy runs scripts from this origin's files only.
const INIT = "window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#ui', persistAuthorization: true });\n";

export interface DocsDeps {
  version: string;
  authMode: AuthMode;
}

/** On the root app, not a resource of its own: the document describes every resource mounted on it. */
export function mountDocs(app: App, deps: DocsDeps): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer fsk_...' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', { type: 'apiKey', in: 'header', name: 'X-API-Key' });

  app.get('/api/openapi.json', (c) =>
    c.json(
      app.getOpenAPI31Document({
        openapi: '3.1.0',
        info: {
          title: 'Facestream admin API',
          version: deps.version,
          description:
            'Every error is `{ "error": { "code", "message" } }` with a stable code. Roles: viewer < operator < admin; ' +
            `this server runs in ${deps.authMode} mode${deps.authMode === 'open' ? ' (no keys needed)' : ''}.`,
        },
      }),
    ),
  );
  app.get('/api/docs', (c) => c.html(PAGE));
  app.get('/api/docs/init.js', (c) => c.body(INIT, 200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'public, max-age=86400' }));
  app.get('/api/docs/:asset', (c) => {
    const asset = c.req.param('asset');
    const type = ASSETS[asset];
    if (!type) return errorResponse(c, 'not_found', `no docs asset ${asset}`);
    return c.body(fs.readFileSync(path.join(swaggerDir, asset)), 200, { 'Content-Type': type, 'Cache-Control': 'public, max-age=86400' });
  });
}
