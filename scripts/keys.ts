// API key CLI: `npm run keys -- create --name NAME --role admin|operator|viewer`, `list`, `revoke ID`.
// Works on DATABASE_URL, or on the PGlite database in DATA_DIR when no server is running on it.
import { parseArgs } from 'node:util';
import { ROLES, type Role } from '../src/server/auth/keys.js';
import { parseConfig } from '../src/server/load-config.js';
import { openStore } from '../src/server/store/db.js';
import type { Store } from '../src/server/store/types.js';

const USAGE = `usage:
  npm run keys -- create --name NAME --role admin|operator|viewer
  npm run keys -- list
  npm run keys -- revoke KEY_ID
Uses DATABASE_URL if set, else the embedded database in DATA_DIR (default ./data).`;

function fail(msg: string, code = 2): never {
  process.stderr.write(`${msg}\n`);
  process.exit(code);
}

const { positionals, values } = parseArgs({
  args: process.argv.slice(2),
  allowPositionals: true,
  options: { name: { type: 'string' }, role: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
});
const [command, arg] = positionals;
if (values.help || !command) fail(USAGE, values.help ? 0 : 2);

const parsed = parseConfig(process.env);
if (!parsed.ok) fail(`Invalid configuration:\n${parsed.errors.map((e) => `  - ${e}`).join('\n')}`);
const config = parsed.config;

let store: Store;
try {
  store = await openStore({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR });
} catch (err) {
  const msg = err instanceof Error ? err.message : String(err);
  const locked = !config.DATABASE_URL && /in use|locked/i.test(msg);
  fail(
    locked
      ? `${msg}\n\nThe server is running on ${config.DATA_DIR}, and the embedded database cannot be opened by two processes.\n` +
          `Either stop the server and run this again, or ask the running server with an admin key:\n` +
          `  curl -X POST -H "Authorization: Bearer $ADMIN_KEY" -H 'Content-Type: application/json' \\\n` +
          `       -d '{"name":"NAME","role":"operator"}' http://HOST:PORT/api/v1/keys`
      : `cannot open the database: ${msg}`,
    1,
  );
}

try {
  const repo = store.keys;
  if (command === 'create') {
    const role = values.role as Role | undefined;
    if (!values.name?.trim()) fail(`--name is required\n${USAGE}`);
    if (!role || !ROLES.includes(role)) fail(`--role must be one of ${ROLES.join(', ')}\n${USAGE}`);
    const key = await repo.create(values.name.trim().slice(0, 100), role);
    process.stdout.write(`Created ${role} key "${key.name}" (id ${key.id}). Copy it now; it is not stored and cannot be shown again:\n\n${key.key}\n`);
  } else if (command === 'list') {
    for (const k of await repo.list()) {
      const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : `last used ${k.lastUsedAt?.toISOString() ?? 'never'}`;
      process.stdout.write(`${k.id}  ${k.prefix}…  ${k.role.padEnd(8)}  ${k.name}  (${state})\n`);
    }
  } else if (command === 'revoke') {
    if (!arg) fail(`revoke needs a key id\n${USAGE}`);
    if (!(await repo.revoke(arg))) fail(`no active key ${arg}`, 1);
    process.stdout.write(`revoked ${arg}\n`);
  } else fail(`unknown command "${command}"\n${USAGE}`);
} finally {
  await store.close();
}
