// Starting real servers in tests: port 0, a temp data directory or a real PostgreSQL, models loaded once per test file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { parseConfig, type Config } from '../../src/server/load-config.js';
import { silentLogger } from '../../src/server/log.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { createFaceAnalyzer, type FaceAnalyzer } from '../../src/server/vision/analyzer.js';

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
  /** Env for a server on a fresh, empty database of this kind. */
  freshEnv(): Promise<Record<string, string>>;
}

export const databaseTargets: DatabaseTarget[] = [
  { name: 'pglite', freshEnv: async () => ({ DATA_DIR: tempDir() }) },
  ...(process.env.TEST_DATABASE_URL
    ? [
        {
          name: 'postgres',
          freshEnv: async () => {
            const url = process.env.TEST_DATABASE_URL!;
            const sql = postgres(url, { max: 1, onnotice: () => {} });
            await sql.unsafe('drop schema if exists public cascade; create schema public; drop schema if exists drizzle cascade;');
            await sql.end();
            return { DATABASE_URL: url, DATA_DIR: tempDir() };
          },
        },
      ]
    : []),
];
