// The browser tests' screenshots leave the checkout unchanged unless asked to update the docs' pictures.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { screenshotPath } from '../browser/harness.js';

const docs = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const runs = fileURLToPath(new URL('../.tmp/screenshots/', import.meta.url));

describe('screenshotPath', () => {
  const before = process.env.UPDATE_SCREENSHOTS;
  afterEach(() => {
    if (before === undefined) delete process.env.UPDATE_SCREENSHOTS;
    else process.env.UPDATE_SCREENSHOTS = before;
  });

  it('sends a docs screenshot to the gitignored tests/.tmp/screenshots by default', () => {
    delete process.env.UPDATE_SCREENSHOTS;
    expect(screenshotPath(path.join(docs, 'phone-kiosk.png'))).toBe(path.join(runs, 'phone-kiosk.png'));
  });

  it('writes docs/screenshots itself with UPDATE_SCREENSHOTS=1', () => {
    process.env.UPDATE_SCREENSHOTS = '1';
    expect(screenshotPath(path.join(docs, 'phone-kiosk.png'))).toBe(path.resolve(docs, 'phone-kiosk.png'));
  });

  it('leaves any other path alone', () => {
    delete process.env.UPDATE_SCREENSHOTS;
    expect(screenshotPath('/tmp/x/shot.png')).toBe('/tmp/x/shot.png');
  });
});
