// Turns a presented key into a Principal, for HTTP requests and WebSocket upgrades alike, and limits wrong keys per
// remote address (AUTH_FAILURES_PER_MINUTE) so that keys cannot be guessed at the speed of the database.
import { hashKey, OPEN_PRINCIPAL, type Principal } from './keys.js';
import type { AuthMode } from './mode.js';
import { createRateLimiter } from './rate-limit.js';

export type AuthResult =
  | { ok: true; principal: Principal }
  | { ok: false; code: 'unauthenticated'; message: string }
  | { ok: false; code: 'rate_limited'; message: string; retryAfterSeconds: number };

/** Where a request came from. */
export interface AuthSource {
  /** The peer's IP address (the socket's, not a forwarded header). Unknown: wrong keys are not limited. */
  remote?: string;
}

/** The port auth needs from wherever keys are kept (the store's keys repository implements it). */
export interface KeyLookup {
  /** The caller a key belongs to, or null for an unknown or revoked key. */
  principalFor(key: string): Promise<Principal | null>;
}

export interface Authenticator {
  readonly mode: AuthMode;
  authenticate(key: string | undefined, from?: AuthSource): Promise<AuthResult>;
}

export interface AuthOptions {
  /** Wrong keys per remote address per minute, as a bucket of this many refilled over a minute; 0 = unlimited. */
  failuresPerMinute?: number;
  /** Keys recently accepted, remembered (as hashes) so that they pass even from an address that is locked out. */
  rememberKeys?: number;
}

/** `::ffff:1.2.3.4` (an IPv4 peer on a dual-stack socket) is 1.2.3.4. */
const addressKey = (remote: string) => remote.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '').toLowerCase();

export function createAuthenticator(mode: AuthMode, keys: KeyLookup, opts: AuthOptions = {}): Authenticator {
  const failures = createRateLimiter(opts.failuresPerMinute ?? 10);
  const limited = (opts.failuresPerMinute ?? 10) > 0;
  const maxKnown = opts.rememberKeys ?? 1000;
  // Insertion-ordered: the oldest is forgotten first. A hit skips only the lockout, never the lookup, so a key revoked
  // since is still refused.
  const known = new Set<string>();
  const remember = (hash: string) => {
    known.delete(hash);
    known.add(hash);
    if (known.size > maxKnown) known.delete(known.values().next().value!);
  };

  return {
    mode,
    async authenticate(key, from = {}) {
      // Open mode is for local demos: everyone is an admin and keys are not even looked at.
      if (mode === 'open') return { ok: true, principal: OPEN_PRINCIPAL };
      if (!key) return { ok: false, code: 'unauthenticated', message: 'an API key is required: send "Authorization: Bearer <key>" or "X-API-Key: <key>"' };
      const hash = hashKey(key);
      const who = from.remote !== undefined && limited && !known.has(hash) ? addressKey(from.remote) : undefined;
      // The attempt takes its token before the lookup, so a parallel burst cannot outrun the budget; a right key gives
      // it back. While the budget is spent no key from there is looked up: a right guess looks like a wrong one.
      if (who !== undefined) {
        const taken = failures.take(who);
        if (!taken.ok) {
          return {
            ok: false,
            code: 'rate_limited',
            retryAfterSeconds: taken.retryAfterSeconds,
            message: `too many wrong API keys from this address; retry in ${taken.retryAfterSeconds} s`,
          };
        }
      }
      const principal = await keys.principalFor(key);
      if (!principal) {
        known.delete(hash);
        return { ok: false, code: 'unauthenticated', message: 'unknown or revoked API key' };
      }
      if (who !== undefined) failures.giveBack(who);
      remember(hash);
      return { ok: true, principal };
    },
  };
}
