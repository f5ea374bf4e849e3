// The import rules of the tree, for dependency-cruiser: `npx depcruise src train bench scripts` prints what breaks
// them, and tests/unit/architecture.test.ts fails on any break not on its list of known ones.
//
// Layers, lowest first; a module imports only its own layer or lower ones:
//   base      src/shared, and src/server's config.ts (the env schema), log.ts, metrics.ts, crash-points.ts, tls.ts
//   core      store/, vision/, tracking/, gallery/, events/
//   services  auth/, recognition/, enrolment/, attendance/, imports/, outbound/
//   edges     gateway/ (WebSocket), cameras/ (server-pulled cameras, which ride on gateway sessions) and http/ (REST);
//             http/ imports neither of the others
//   root      server.ts, main.ts, load-config.ts: the composition root, which wires everything
const SERVER = '^src/server/';
const dirs = (...names) => `${SERVER}(${names.join('|')})/`;
const CORE = dirs('store', 'vision', 'tracking', 'gallery', 'events');
const SERVICES = dirs('auth', 'recognition', 'enrolment', 'attendance', 'imports', 'outbound');
const EDGES = dirs('gateway', 'cameras', 'http');
const ROOT = `${SERVER}(server|main|load-config)\\.ts$`;
const BASE = `${SERVER}[^/]+\\.ts$`;
const layer = (name, from, ...higher) => ({
  name,
  severity: 'error',
  comment: 'Imports run downward only: base <- core <- services <- edges <- root (see the top of this file).',
  from: { path: from, pathNot: ROOT },
  to: { path: higher },
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    layer('layer-base', BASE, CORE, SERVICES, EDGES, ROOT),
    layer('layer-core', CORE, SERVICES, EDGES, ROOT),
    layer('layer-services', SERVICES, EDGES, ROOT),
    layer('layer-edges', EDGES, ROOT),
    {
      name: 'edges-apart',
      severity: 'error',
      comment: 'The WebSocket gateway and the REST app are two doors onto the same services; neither goes through the other.',
      from: { path: dirs('gateway') },
      to: { path: dirs('http') },
    },
    {
      name: 'edges-apart',
      severity: 'error',
      comment: 'The WebSocket gateway and the REST app are two doors onto the same services; neither goes through the other.',
      from: { path: dirs('http') },
      to: { path: dirs('gateway', 'cameras') },
    },
    {
      name: 'core-apart',
      severity: 'error',
      comment: 'The store and vision stand alone (vision takes its own settings type, not the server config); tracking is pure geometry over vision types.',
      from: { path: dirs('store', 'vision') },
      to: { path: [dirs('store', 'vision', 'tracking', 'gallery', 'events'), `${SERVER}config\\.ts$`], pathNot: `${SERVER}$1/` },
    },
    {
      name: 'auth-behind-a-port',
      severity: 'error',
      comment: 'auth checks keys through its KeyLookup port; the store implements it and the root connects them.',
      from: { path: dirs('auth') },
      to: { path: [dirs('store'), `${SERVER}metrics\\.ts$`] },
    },
    {
      name: 'no-cycle',
      severity: 'error',
      comment: 'Modules that import each other, even for types only, are one module in two files: nothing can be read, tested or moved alone.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'drizzle-only-in-store',
      severity: 'error',
      comment: 'The store is sealed: only src/server/store/ speaks drizzle; everything else goes through its repositories.',
      from: { pathNot: '^src/server/store/' },
      to: { path: '(^|/)node_modules/drizzle-orm/' },
    },
    {
      name: 'client-not-server',
      severity: 'error',
      comment: 'src/client is bundled for the browser: it shares only src/shared with the server, never server code or its settings.',
      from: { path: '^src/client/' },
      to: { path: '^src/server/' },
    },
    {
      name: 'tracking-pure',
      severity: 'error',
      comment: 'Tracking is pure geometry and voting over boxes: no gallery, store, events, I/O or package; vision for its types only.',
      from: { path: dirs('tracking') },
      to: { pathNot: [dirs('tracking', 'vision'), '^src/shared/'] },
    },
    {
      name: 'tracking-pure',
      severity: 'error',
      comment: 'Tracking is pure geometry and voting over boxes: vision for its types only (import type), never its runtime.',
      from: { path: dirs('tracking') },
      to: { path: dirs('vision'), dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'postgres-only-in-store',
      severity: 'error',
      comment:
        'The store owns every database connection: others (the event bus) use its ports, such as store.channels for LISTEN/NOTIFY. bench/ seeds its own clusters.',
      from: { path: '^src/', pathNot: '^src/server/store/' },
      to: { path: '(^|/)node_modules/postgres/' },
    },
    {
      name: 'shared-imports-only-zod',
      severity: 'error',
      comment: 'src/shared is loaded by the browser too: it may import zod and itself, nothing of the server or of Node.',
      from: { path: '^src/shared/' },
      to: { pathNot: ['^src/shared/', '(^|/)node_modules/zod/'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: `import type` both ways is still a cycle between two modules' ideas.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.d.ts'],
    },
    exclude: { path: ['^public/build/', '^native/'] },
  },
};
