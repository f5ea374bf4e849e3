// A child process for tests/unit/process-guards.test.ts: the server's process guards in a real process, with JSON log
// lines on stderr. Mode (argv[2]): `reject` leaves a promise rejection unhandled and carries on; `hang` and `clean`
// shut down on SIGTERM with a close that never ends or one that ends at once (deadline argv[3] ms).
import { createLogger } from '../../src/server/log.js';
import { installProcessGuards, shutdownOnSignals } from '../../src/server/process-guards.js';

const log = createLogger('info', { pretty: false });
installProcessGuards(log);
const [mode, deadline] = [process.argv[2], Number(process.argv[3] ?? 300)];
if (mode === 'reject') {
  void Promise.reject(new Error('boom: nobody handles this'));
  setTimeout(() => {
    log.info('still serving');
    process.exit(0);
  }, 300);
} else {
  shutdownOnSignals(() => (mode === 'hang' ? new Promise<void>(() => {}) : Promise.resolve()), deadline, log);
  setInterval(() => {}, 1000);
  log.info('ready');
}
