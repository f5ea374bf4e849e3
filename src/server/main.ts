// The server process: reads the environment, starts everything, and shuts down cleanly on SIGINT/SIGTERM, within
// SHUTDOWN_TIMEOUT_MS; unhandled rejections are logged (process-guards.ts).
import { parseConfig } from './load-config.js';
import { createLogger } from './log.js';
import { installProcessGuards, shutdownOnSignals } from './process-guards.js';
import { startServer } from './server.js';

const parsed = parseConfig(process.env);
if (!parsed.ok) {
  process.stderr.write(`Invalid configuration:\n${parsed.errors.map((e) => `  - ${e}`).join('\n')}\n`);
  process.exit(2);
}
const config = parsed.config;
const log = createLogger(config.LOG_LEVEL);
for (const note of parsed.notes ?? []) log.warn(note);
installProcessGuards(log);
const t0 = performance.now();

try {
  const server = await startServer(config, { log });
  log.info(`ready in ${((performance.now() - t0) / 1000).toFixed(1)} s: live page ${server.url}/  enrolment ${server.url}/enrol.html`, {
    database: server.store.kind,
    backend: server.analyzer.backend,
  });
  shutdownOnSignals(() => server.close(), config.SHUTDOWN_TIMEOUT_MS, log);
} catch (err) {
  log.error(`failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
