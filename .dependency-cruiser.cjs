// The import rules of the tree, for dependency-cruiser: `npx depcruise src train bench scripts` prints what breaks
// them, and tests/unit/architecture.test.ts fails on any break not on its list of known ones.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
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
