// Text that people type (person names, key names, camera labels, search text): the one rule for what such a field may
// hold and how it is normalised, used by the REST schemas and the WebSocket protocol alike. Imports nothing but zod.
import { z } from 'zod';

/**
 * What a one-line text field may never hold: control characters (C0 such as NUL, tab and newline, DEL, C1), lone
 * surrogate halves (not text; PostgreSQL cannot store them), and the bidirectional overrides and isolates that make a
 * name display as something else.
 */
const FORBIDDEN = /[\p{Cc}\p{Cs}\u202A-\u202E\u2066-\u2069]/u;

/** The first forbidden character of `s` as `U+XXXX`, or null when there is none. */
export function forbiddenCharacter(s: string): string | null {
  const m = FORBIDDEN.exec(s);
  return m ? `U+${m[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}` : null;
}

/**
 * NFC, every run of white space (the non-breaking and other Unicode spaces included) as one space, trimmed: so that
 * names that look the same are the same string. Comparing names is then case-insensitive on top of this.
 */
export function normaliseText(s: string): string {
  return s.normalize('NFC').replace(/\s+/gu, ' ').trim();
}

export interface TextOptions {
  /** Shortest normalised length (default 1; 0 allows an empty value). */
  min?: number;
  /** Longest normalised length, in UTF-16 units (default 100). */
  max?: number;
}

/**
 * A one-line text field: refused when it holds a forbidden character, otherwise normalised (normaliseText) and then
 * held to its length limits. Its output is what should be stored and compared.
 */
export function text({ min = 1, max = 100 }: TextOptions = {}) {
  return z
    .string()
    .check((ctx) => {
      const bad = forbiddenCharacter(ctx.value);
      if (bad) ctx.issues.push({ code: 'custom', input: ctx.value, message: `must not contain control or bidirectional-override characters (found ${bad})` });
    })
    .overwrite(normaliseText)
    .min(min)
    .max(max);
}
