// Unit tests for the auth building blocks: keys and roles, auth mode defaults, origin checks, the rate limiter, CSV.
import { describe, expect, it } from 'vitest';
import { generateKey, hashKey, keyFromRequest, keyPrefix, roleAllows } from '../../src/server/auth/keys.js';
import { isLoopbackHost, originAllowed, parseOrigins, resolveAuthMode } from '../../src/server/auth/mode.js';
import { createRateLimiter } from '../../src/server/auth/rate-limit.js';
import { MESSAGE_ROLES, messageDenied } from '../../src/server/gateway/message-roles.js';
import { CLIENT_MESSAGE_TYPES, parseClientMessage } from '../../src/shared/protocol.js';
import { toCsv } from '../../src/server/http/events.js';

describe('api keys', () => {
  it('are random, fsk_-prefixed base64url of 32 bytes, hashed with SHA-256', () => {
    const a = generateKey();
    const b = generateKey();
    expect(a).toMatch(/^fsk_[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(hashKey(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashKey(a)).toBe(hashKey(a));
    expect(keyPrefix(a)).toBe(a.slice(0, 10));
  });

  it('orders roles viewer < operator < admin', () => {
    expect(roleAllows('admin', 'operator')).toBe(true);
    expect(roleAllows('operator', 'operator')).toBe(true);
    expect(roleAllows('operator', 'admin')).toBe(false);
    expect(roleAllows('viewer', 'operator')).toBe(false);
    expect(roleAllows('viewer', 'viewer')).toBe(true);
  });

  it('reads the key from Bearer, then X-API-Key, then ?key=', () => {
    const h = (m: Record<string, string>) => (n: string) => m[n];
    expect(keyFromRequest(h({ authorization: 'Bearer fsk_a' }))).toBe('fsk_a');
    expect(keyFromRequest(h({ authorization: 'bearer   fsk_b ' }))).toBe('fsk_b');
    expect(keyFromRequest(h({ 'x-api-key': 'fsk_c' }))).toBe('fsk_c');
    expect(keyFromRequest(h({}), (n) => (n === 'key' ? 'fsk_d' : null))).toBe('fsk_d');
    expect(keyFromRequest(h({ authorization: 'Basic abc' }))).toBeUndefined();
  });
});

describe('auth mode', () => {
  it('defaults to open on loopback only', () => {
    expect(resolveAuthMode({ HOST: '127.0.0.1', AUTH_MODE: undefined })).toBe('open');
    expect(resolveAuthMode({ HOST: '::1', AUTH_MODE: undefined })).toBe('open');
    expect(resolveAuthMode({ HOST: 'localhost', AUTH_MODE: undefined })).toBe('open');
    expect(resolveAuthMode({ HOST: '0.0.0.0', AUTH_MODE: undefined })).toBe('keys');
    expect(resolveAuthMode({ HOST: '192.168.1.5', AUTH_MODE: undefined })).toBe('keys');
    expect(resolveAuthMode({ HOST: '0.0.0.0', AUTH_MODE: 'open' })).toBe('open');
    expect(resolveAuthMode({ HOST: '127.0.0.1', AUTH_MODE: 'keys' })).toBe('keys');
    expect(isLoopbackHost('[::1]')).toBe(true);
  });

  it('allows no origin, the same origin, listed origins and *', () => {
    const allowed = parseOrigins(' https://a.example , https://b.example/ ');
    expect(allowed).toEqual(['https://a.example', 'https://b.example']);
    expect(originAllowed(undefined, 'x:1', allowed)).toBe(true);
    expect(originAllowed('http://x:1', 'x:1', [])).toBe(true);
    expect(originAllowed('https://b.example', 'x:1', allowed)).toBe(true);
    expect(originAllowed('https://evil.example', 'x:1', allowed)).toBe(false);
    expect(originAllowed('https://evil.example', 'x:1', ['*'])).toBe(true);
    expect(originAllowed('null', 'x:1', [])).toBe(false);
  });
});

describe('rate limiter', () => {
  it('allows a burst of the per-minute budget, then refills evenly', () => {
    const rl = createRateLimiter(60);
    const t = 1_000_000;
    for (let i = 0; i < 60; i++) expect(rl.take('k', t).ok).toBe(true);
    const refused = rl.take('k', t);
    expect(refused).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(rl.take('other', t).ok).toBe(true);
    expect(rl.take('k', t + 1000).ok).toBe(true);
    expect(rl.take('k', t + 1000).ok).toBe(false);
  });
  it('is off at 0', () => {
    const rl = createRateLimiter(0);
    for (let i = 0; i < 1000; i++) expect(rl.take('k').ok).toBe(true);
  });
});

describe('websocket message roles', () => {
  const viewer = { role: 'viewer' as const, keyId: '1', name: 'v' };
  const operator = { role: 'operator' as const, keyId: '2', name: 'o' };
  const parsed = (text: string) => {
    const p = parseClientMessage(text);
    if (!p.ok) throw new Error(p.message);
    return p.message;
  };
  it('lets only operators and admins start or cancel an enrolment, however the JSON is spelled', () => {
    for (const text of [
      '{"type":"enrol.start","name":"x"}',
      '{"type":"enrol\\u002estart","name":"x"}',
      '{"name":"x","type":"enrol.start"}',
      '{"type":"enrol.cancel"}',
    ]) {
      expect(messageDenied(viewer, parsed(text))).toMatch(/needs an operator key; "v" is viewer/);
      expect(messageDenied(operator, parsed(text))).toBeNull();
      expect(messageDenied({ ...operator, role: 'admin' }, parsed(text))).toBeNull();
    }
    expect(messageDenied(viewer, parsed('{"type":"ping","t":1}'))).toBeNull();
    expect(messageDenied(viewer, parsed('{"type":"hello","protocol":1,"camera":"enrol.start"}'))).toBeNull();
  });
  it('has a role for every client message type', () => {
    expect(Object.keys(MESSAGE_ROLES).sort()).toEqual([...CLIENT_MESSAGE_TYPES].sort());
  });
});

describe('csv', () => {
  it('quotes and defuses formulas', () => {
    expect(
      toCsv(
        ['a', 'b'],
        [
          ['x,y', 1],
          ['=SUM(A1)', null],
          ['say "hi"', 2.5],
        ],
      ),
    ).toBe('a,b\r\n"x,y",1\r\n\'=SUM(A1),\r\n"say ""hi""",2.5\r\n');
  });
});
