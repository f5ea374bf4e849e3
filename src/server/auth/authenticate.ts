// Turns a presented key into a Principal, for HTTP requests and WebSocket upgrades alike.
import type { KeysRepo } from '../store/keys-repo.js';
import { OPEN_PRINCIPAL, type Principal } from './keys.js';
import type { AuthMode } from './mode.js';

export type AuthResult = { ok: true; principal: Principal } | { ok: false; code: 'unauthenticated'; message: string };

export interface Authenticator {
  readonly mode: AuthMode;
  authenticate(key: string | undefined): Promise<AuthResult>;
}

export function createAuthenticator(mode: AuthMode, keys: KeysRepo): Authenticator {
  return {
    mode,
    async authenticate(key) {
      // Open mode is for local demos: everyone is an admin and keys are not even looked at.
      if (mode === 'open') return { ok: true, principal: OPEN_PRINCIPAL };
      if (!key) return { ok: false, code: 'unauthenticated', message: 'an API key is required: send "Authorization: Bearer <key>" or "X-API-Key: <key>"' };
      const principal = await keys.principalFor(key);
      if (!principal) return { ok: false, code: 'unauthenticated', message: 'unknown or revoked API key' };
      return { ok: true, principal };
    },
  };
}
