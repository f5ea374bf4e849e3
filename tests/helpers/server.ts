// Starting real servers in tests: port 0, a temp data directory or a real PostgreSQL, models loaded once per test file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { describe } from 'vitest';
import { parseConfig, type Config } from '../../src/server/load-config.js';
import { silentLogger } from '../../src/server/log.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { createFaceAnalyzer, type FaceAnalyzer } from '../../src/server/vision/analyzer.js';
import { NEEDS_POSTGRES } from './postgres.js';

let analyzer: Promise<FaceAnalyzer> | undefined;

/** Models are loaded once per test file and shared by every server it starts. */
export function sharedAnalyzer(): Promise<FaceAnalyzer> {
  analyzer ??= createFaceAnalyzer(testConfig(), () => {});
  return analyzer;
}

export function tempDir(prefix = 'facestream-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function testConfig(env: Record<string, string> = {}): Config {
  const parsed = parseConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: ':memory:', ...env });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.config;
}

export async function startTestServer(env: Record<string, string> = {}): Promise<RunningServer> {
  return startServer(testConfig(env), { log: silentLogger, analyzer: await sharedAnalyzer() });
}

/** The databases every storage-touching suite runs against: PGlite always, PostgreSQL when CI provides one. */
export interface DatabaseTarget {
  name: string;
  /** Why this target does not run here (its suite is registered as skipped, with this reason in its name). */
  skip?: string;
  /** Env for a server on a fresh, empty database of this kind. */
  freshEnv(): Promise<Record<string, string>>;
}

export const databaseTargets: DatabaseTarget[] = [
  { name: 'pglite', freshEnv: async () => ({ DATA_DIR: tempDir() }) },
  {
    name: 'postgres',
    ...(process.env.TEST_DATABASE_URL ? {} : { skip: NEEDS_POSTGRES }),
    freshEnv: async () => {
      const url = process.env.TEST_DATABASE_URL;
      if (!url) throw new Error(`the postgres target ${NEEDS_POSTGRES}`);
      const sql = postgres(url, { max: 1, onnotice: () => {} });
      await sql.unsafe('drop schema if exists public cascade; create schema public; drop schema if exists drizzle cascade;');
      await sql.end();
      return { DATABASE_URL: url, DATA_DIR: tempDir() };
    },
  },
];

/**
 * One suite per database target (`$name` in the title is the target's name). A target that cannot run here is
 * registered as a skipped suite whose name says why, never left out silently.
 */
export function describeEachDatabase(title: string, body: (target: DatabaseTarget) => void): void {
  for (const target of databaseTargets) {
    const name = title.replace('$name', target.name);
    if (target.skip) describe.skip(`${name} (${target.skip})`, () => body(target));
    else describe(name, () => body(target));
  }
}
