// Unit tests for the request guards' rules: loopback Host names in open mode, cross-site writes, the shared text rule
// for names, and the wrong-key budget's give-back.
import { describe, expect, it } from 'vitest';
import { crossOriginRefusal, hostAllowed, hostName } from '../../src/server/auth/mode.js';
import { createRateLimiter } from '../../src/server/auth/rate-limit.js';
import { forbiddenCharacter, normaliseText, text } from '../../src/shared/text.js';

describe('Host in open mode', () => {
  it('accepts loopback names with or without a port, as the browser parsed them', () => {
    for (const h of [
      'localhost',
      'LocalHost:8090',
      '127.0.0.1',
      '127.0.0.1:80',
      '127.255.0.9:65535',
      '[::1]',
      '[::1]:8090',
      '[0:0:0:0:0:0:0:1]',
      '127.1',
      '0x7f.0.0.1',
    ]) {
      expect([h, hostAllowed('open', h)]).toEqual([h, true]);
    }
  });
  it('refuses every other name, malformed Hosts and a missing one; keys mode takes any', () => {
    for (const h of [
      undefined,
      '',
      'evil.example',
      'evil.example:8090',
      '127.0.0.1.evil.example',
      'localhost.evil.example',
      'localhost.',
      '0.0.0.0',
      '10.0.0.1:8090',
      '[::2]',
      'evil@127.0.0.1',
      '127.0.0.1/x',
      '127.0.0.1:8090:1',
      ' localhost',
    ]) {
      expect([h, hostAllowed('open', h)]).toEqual([h, false]);
    }
    expect(hostAllowed('keys', 'evil.example')).toBe(true);
    expect(hostName('[::1]:99')).toBe('[::1]');
    expect(hostName('Example.COM:1')).toBe('example.com');
  });
});

describe('cross-site writes', () => {
  const host = '127.0.0.1:8090';
  const src = (h: Partial<{ origin: string; referer: string; fetchSite: string }>) => ({
    host,
    origin: undefined,
    referer: undefined,
    fetchSite: undefined,
    ...h,
  });
  it('allows our own origin, listed origins, * and requests with no browser headers', () => {
    expect(crossOriginRefusal(src({}), [])).toBeNull();
    expect(crossOriginRefusal(src({ origin: 'http://127.0.0.1:8090', fetchSite: 'same-origin' }), [])).toBeNull();
    expect(crossOriginRefusal(src({ origin: 'https://console.example' }), ['https://console.example'])).toBeNull();
    expect(crossOriginRefusal(src({ origin: 'https://anyone.example' }), ['*'])).toBeNull();
    expect(crossOriginRefusal(src({ fetchSite: 'none' }), [])).toBeNull();
    expect(crossOriginRefusal(src({ referer: 'http://127.0.0.1:8090/enrol.html' }), [])).toBeNull();
  });
  it('refuses other origins, opaque ones, cross-site fetch metadata and foreign referers', () => {
    expect(crossOriginRefusal(src({ origin: 'https://evil.example' }), ['https://console.example'])).toMatch(/evil\.example/);
    expect(crossOriginRefusal(src({ origin: 'null' }), [])).not.toBeNull();
    expect(crossOriginRefusal(src({ origin: 'http://127.0.0.1:9999' }), [])).not.toBeNull();
    expect(crossOriginRefusal(src({ fetchSite: 'cross-site' }), [])).not.toBeNull();
    expect(crossOriginRefusal(src({ fetchSite: 'same-site' }), [])).not.toBeNull();
    expect(crossOriginRefusal(src({ referer: 'https://evil.example/a' }), [])).not.toBeNull();
    expect(crossOriginRefusal(src({ referer: 'not a url' }), [])).not.toBeNull();
  });
});

describe('text fields', () => {
  it('finds control characters, lone surrogates and bidi overrides, not ordinary Unicode', () => {
    expect(forbiddenCharacter('a\u0000b')).toBe('U+0000');
    expect(forbiddenCharacter('tab\t')).toBe('U+0009');
    expect(forbiddenCharacter('\u007f')).toBe('U+007F');
    expect(forbiddenCharacter('\u009b')).toBe('U+009B');
    expect(forbiddenCharacter('\udc00x')).toBe('U+DC00');
    expect(forbiddenCharacter('x\u2066')).toBe('U+2066');
    expect(forbiddenCharacter('Zoë Ñandú 李小龍 👩🏽‍🔬 ناصر')).toBeNull();
  });
  it('normalises to NFC with one space for every run of white space', () => {
    expect(normaliseText(' Grace\u00a0\u202f Hopper\u3000')).toBe('Grace Hopper');
    expect(normaliseText('Zoe\u0308')).toBe('Zo\u00eb');
  });
  it('removes invisible format characters (Cf), so a look-alike name is the same name', () => {
    expect(normaliseText('Name Norm\u200b')).toBe('Name Norm');
    expect(normaliseText('\ufeffAda\u200eLove\u00adlace\u2060\u200f')).toBe('AdaLovelace');
    expect(normaliseText('Ada \u200b Lovelace')).toBe('Ada Lovelace');
    // Joiners between Latin letters, or at an end, draw nothing: gone.
    expect(normaliseText('\u200dAd\u200ca\u200d')).toBe('Ada');
    // Where a joiner changes the drawing it stays: Persian, Devanagari, emoji ZWJ sequences (a surrogate pair before it).
    expect(normaliseText('\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645')).toBe('\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645');
    expect(normaliseText('\u0915\u094d\u200d\u0937')).toBe('\u0915\u094d\u200d\u0937');
    expect(normaliseText('👩🏽\u200d🔬 Ada')).toBe('👩🏽\u200d🔬 Ada');
    expect(normaliseText('🏳\ufe0f\u200d🌈')).toBe('🏳\ufe0f\u200d🌈');
    const name = text();
    expect(name.parse('Name Norm\u200b')).toBe('Name Norm');
    expect(name.safeParse('\u200b\ufeff').success).toBe(false);
    // Bidirectional controls are format characters too, but they stay refused with a reason, not silently removed.
    expect(name.safeParse('Ada\u202e').success).toBe(false);
    // Every Cf character outside the joiners goes.
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const ch = String.fromCodePoint(cp);
      if (/\p{Cf}/u.test(ch) && cp !== 0x200c && cp !== 0x200d) expect(normaliseText(`a${ch}b`), `U+${cp.toString(16)}`).toBe('ab');
    }
  });
  it('text() refuses before normalising and measures after', () => {
    const name = text({ max: 5 });
    expect(name.parse('  a\u00a0\u00a0b  ')).toBe('a b');
    expect(name.safeParse('a\u0000').success).toBe(false);
    expect(name.safeParse('a\nb').success).toBe(false);
    expect(name.safeParse('\u00a0 ').success).toBe(false);
    expect(name.safeParse('abcdef').success).toBe(false);
    expect(name.parse('  abcde  ')).toBe('abcde');
    expect(text({ min: 0 }).parse(' ')).toBe('');
    expect(name.safeParse('a\u0000')).toMatchObject({ error: { issues: [{ message: expect.stringContaining('U+0000') }] } });
  });
});

describe('wrong-key budget', () => {
  it('gives a token back for a key that was right, never above the budget', () => {
    const rl = createRateLimiter(2);
    const t = 1_000_000;
    expect(rl.take('a', t).ok).toBe(true);
    rl.giveBack('a');
    rl.giveBack('a');
    expect(rl.take('a', t).ok).toBe(true);
    expect(rl.take('a', t).ok).toBe(true);
    expect(rl.take('a', t).ok).toBe(false);
  });
});
