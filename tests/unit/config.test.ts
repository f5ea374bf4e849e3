// Server configuration from the environment: defaults, coercion, and all errors reported at once.
import { describe, expect, it } from 'vitest';
import { ConfigSchema, DEFAULT_EMBEDDING_MODEL, FLOAT_DEFAULT_MODEL, type Config } from '../../src/server/config.js';
import { parseConfig } from '../../src/server/load-config.js';
import { readManifest } from '../../src/server/vision/models.js';

function ok(env: Record<string, string | undefined>): Config {
  const r = parseConfig(env);
  if (!r.ok) throw new Error(`expected a valid config, got errors:\n${r.errors.join('\n')}`);
  return r.config;
}

function errors(env: Record<string, string | undefined>): string[] {
  const r = parseConfig(env);
  expect(r.ok).toBe(false);
  return r.ok ? [] : r.errors;
}

describe('ENROL_POSES', () => {
  it('empty or "any" means no pose guidance, unset means the default plan', () => {
    expect(ok({}).ENROL_POSES).toEqual(['straight', 'left', 'right']);
    expect(ok({ ENROL_POSES: '' }).ENROL_POSES).toEqual([]);
    expect(ok({ ENROL_POSES: 'any' }).ENROL_POSES).toEqual([]);
    expect(ok({ ENROL_POSES: 'left, right' }).ENROL_POSES).toEqual(['left', 'right']);
    expect(errors({ ENROL_POSES: 'up' }).join()).toMatch(/ENROL_POSES/);
  });
});

describe('parseConfig defaults', () => {
  it('an empty environment gives the documented defaults', () => {
    const c = ok({});
    expect(c.PORT).toBe(8090);
    expect(c.HOST).toBe('127.0.0.1');
    expect(c.DATA_DIR).toBe('./data');
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.LOG_LEVEL).toBe('info');
    expect(c.TF_BACKEND).toBe('auto');
    expect(c.MATCH_THRESHOLD).toBeGreaterThan(0);
    expect(c.MATCH_THRESHOLD).toBeLessThan(1);
    expect(c.ENROL_SAMPLES).toBe(5);
    expect(c.VOTE_WINDOW).toBe(5);
    expect(c.TRACK_MAX_MISSES).toBe(5);
    expect(c.TRACK_MIN_IOU).toBe(0.3);
    expect(c.MAX_MESSAGE_BYTES).toBe(2 * 1024 * 1024);
    expect(c.MAX_FRAME_PIXELS).toBe(1920 * 1080);
  });

  it('with no env at all, every key has its default; only keys without a default are left unset', () => {
    const c = ok({}) as Record<string, unknown>;
    const shape = ConfigSchema.shape as Record<string, { safeParse(v: unknown): { success: boolean; data?: unknown } }>;
    const unset = Object.keys(shape).filter((k) => c[k] === undefined);
    // MATCH_THRESHOLD has no default in the schema: load-config.ts fills it with the model's own threshold.
    const resolvedFromModel = ['MATCH_THRESHOLD'];
    const optionalWithoutDefault = Object.keys(shape).filter((k) => {
      const r = shape[k]!.safeParse(undefined);
      return r.success && r.data === undefined && !resolvedFromModel.includes(k);
    });
    expect(unset).toEqual(optionalWithoutDefault);
    expect(unset).toContain('DATABASE_URL');
    expect(unset).not.toContain('PORT');
  });

  it('ignores unrelated environment variables', () => {
    const c = ok({ PATH: '/usr/bin', HOME: '/root', PORT_EXTRA: 'x' });
    expect(c.PORT).toBe(8090);
    expect(Object.keys(c)).not.toContain('PATH');
  });

  it('an empty string means the default', () => {
    const c = ok({ PORT: '', DATA_DIR: '', MATCH_THRESHOLD: '', LOG_LEVEL: '', DATABASE_URL: '', TF_BACKEND: '' });
    expect(c.PORT).toBe(8090);
    expect(c.DATA_DIR).toBe('./data');
    expect(c.MATCH_THRESHOLD).toBe(ok({}).MATCH_THRESHOLD);
    expect(c.LOG_LEVEL).toBe('info');
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.TF_BACKEND).toBe('auto');
  });

  it('an undefined value means the default too', () => {
    expect(ok({ PORT: undefined }).PORT).toBe(8090);
  });
});

describe('the default model where onnxruntime-node cannot run it', () => {
  it('runs the int8 default where onnxruntime-node loads, with its own threshold', () => {
    const r = parseConfig({});
    expect(r.ok && r.config.EMBEDDING_MODEL).toBe(DEFAULT_EMBEDDING_MODEL);
    expect(r.ok && r.config.MATCH_THRESHOLD).toBe(readManifest(DEFAULT_EMBEDDING_MODEL)!.threshold);
    expect(r.ok && r.notes).toEqual([]);
  });

  it('falls back to the same networks in float, and says so, when EMBED_RUNTIME is tfjs and no model was named', () => {
    const r = parseConfig({ EMBED_RUNTIME: 'tfjs' });
    if (!r.ok) throw new Error(r.errors.join('; '));
    expect(r.config.EMBEDDING_MODEL).toBe(FLOAT_DEFAULT_MODEL);
    expect(r.config.MATCH_THRESHOLD).toBe(readManifest(FLOAT_DEFAULT_MODEL)!.threshold);
    expect(r.notes).toEqual([expect.stringMatching(/needs onnxruntime-node \(EMBED_RUNTIME is tfjs\): using fusion-resnet128-mobilefacenet192\.v1/)]);
  });

  it('never swaps a model the operator named', () => {
    const r = parseConfig({ EMBED_RUNTIME: 'tfjs', EMBEDDING_MODEL: DEFAULT_EMBEDDING_MODEL });
    expect(r.ok && r.config.EMBEDDING_MODEL).toBe(DEFAULT_EMBEDDING_MODEL);
    expect(r.ok && r.notes).toEqual([]);
  });
});

describe('parseConfig coercion', () => {
  it('turns numeric strings into numbers', () => {
    const c = ok({ PORT: '9000', MATCH_THRESHOLD: '0.42', ENROL_SAMPLES: '7', TRACK_MIN_IOU: '0.5', REEMBED_EVERY: '0' });
    expect(c.PORT).toBe(9000);
    expect(c.MATCH_THRESHOLD).toBe(0.42);
    expect(c.ENROL_SAMPLES).toBe(7);
    expect(c.TRACK_MIN_IOU).toBe(0.5);
    expect(c.REEMBED_EVERY).toBe(0);
  });

  it('keeps strings and enums as given', () => {
    const c = ok({
      HOST: '0.0.0.0',
      DATA_DIR: '/var/lib/facestream',
      LOG_LEVEL: 'debug',
      TF_BACKEND: 'wasm',
      DATABASE_URL: 'postgres://u:p@db:5432/faces',
    });
    expect(c).toMatchObject({
      HOST: '0.0.0.0',
      DATA_DIR: '/var/lib/facestream',
      LOG_LEVEL: 'debug',
      TF_BACKEND: 'wasm',
      DATABASE_URL: 'postgres://u:p@db:5432/faces',
    });
  });

  it('accepts the range limits and rejects just past them', () => {
    expect(ok({ PORT: '0' }).PORT).toBe(0);
    expect(ok({ PORT: '65535' }).PORT).toBe(65535);
    expect(errors({ PORT: '65536' })).toHaveLength(1);
    expect(errors({ PORT: '-1' })).toHaveLength(1);
    expect(ok({ MATCH_THRESHOLD: '-1' }).MATCH_THRESHOLD).toBe(-1);
    expect(ok({ MATCH_THRESHOLD: '1' }).MATCH_THRESHOLD).toBe(1);
    expect(errors({ MATCH_THRESHOLD: '1.01' })).toHaveLength(1);
    expect(ok({ ENROL_SAMPLES: '20' }).ENROL_SAMPLES).toBe(20);
    expect(errors({ ENROL_SAMPLES: '21' })).toHaveLength(1);
    expect(errors({ MAX_FACES: '0' })).toHaveLength(1);
    expect(errors({ MAX_MESSAGE_BYTES: '1023' })).toHaveLength(1);
  });

  it('rejects a non-integer for an integer key', () => {
    const e = errors({ PORT: '80.5' });
    expect(e).toHaveLength(1);
    expect(e[0]).toMatch(/^PORT: /);
  });
});

describe('parseConfig errors', () => {
  it('reports every bad value at once, one error naming each key', () => {
    const e = errors({ PORT: 'eighty', MATCH_THRESHOLD: '2', LOG_LEVEL: 'loud', HOST: 'fine' });
    expect(e).toHaveLength(3);
    const keys = e.map((line) => line.split(':')[0]).sort();
    expect(keys).toEqual(['LOG_LEVEL', 'MATCH_THRESHOLD', 'PORT']);
  });

  it('quotes the offending value in each error', () => {
    const e = errors({ PORT: 'eighty', TF_BACKEND: 'cuda', DATABASE_URL: 'not a url' });
    expect(e).toHaveLength(3);
    expect(e.find((l) => l.startsWith('PORT:'))).toContain('"eighty"');
    expect(e.find((l) => l.startsWith('TF_BACKEND:'))).toContain('"cuda"');
    expect(e.find((l) => l.startsWith('DATABASE_URL:'))).toContain('"not a url"');
  });

  it('one bad value among good ones fails the whole config', () => {
    const e = errors({ PORT: '9000', VOTE_WINDOW: '0', HOST: 'localhost' });
    expect(e).toHaveLength(1);
    expect(e[0]).toMatch(/^VOTE_WINDOW: /);
  });
});
