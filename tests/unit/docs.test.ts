// The documentation a user reads first stays in step with the code: every setting is in the README's table,
// and every protocol error code, message type and close code is in docs/protocol.md.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/server/config.js';
import { ClientMessage, CLOSE_CODES, ERROR_CODES, ServerMessage } from '../../src/shared/protocol.js';

const read = (rel: string) => fs.readFileSync(new URL(`../../${rel}`, import.meta.url), 'utf8');

describe('docs', () => {
  it('README lists every configuration variable', () => {
    const rows = read('README.md')
      .split('\n')
      .filter((line) => line.startsWith('| `'));
    const missing = Object.keys(ConfigSchema.shape).filter((k) => !rows.some((row) => row.split('|')[1]!.includes(`\`${k}\``)));
    expect(missing).toEqual([]);
  });

  it('docs/protocol.md describes every message type and error code', () => {
    const doc = read('docs/protocol.md');
    const types = [...ClientMessage.options, ...ServerMessage.options].map((o) => o.shape.type.value);
    expect(types.filter((t) => !doc.includes(`\`${t}\``))).toEqual([]);
    expect(ERROR_CODES.filter((c) => !doc.includes(`\`${c}\``))).toEqual([]);
    // Each close code the server sends has its row in §10's table (what it means, and whether to reconnect).
    expect(Object.values(CLOSE_CODES).filter((c) => !doc.includes(`\n| ${c} | `))).toEqual([]);
  });
});
