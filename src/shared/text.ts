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

// Format characters (category Cf: U+200B zero-width space, U+200E/U+200F marks, U+FEFF, U+00AD soft hyphen, ...)
// draw nothing, so "Ada\u200b" would be a second person who looks exactly like "Ada". They are removed, with one
// exception where a joiner changes what is drawn: U+200C/U+200D between two characters of a script whose letters join or
// form conjuncts (Arabic-family, Indic), or after an emoji in an emoji ZWJ sequence (👩🏽‍🔬). Residual: a non-joiner after
// an Arabic letter that never joins left (ر) is invisible yet kept.
const FORMAT = /\p{Cf}/gu;
const JOINING_SCRIPTS =
  '\\p{sc=Arabic}\\p{sc=Syriac}\\p{sc=Nko}\\p{sc=Mongolian}\\p{sc=Devanagari}\\p{sc=Bengali}\\p{sc=Gurmukhi}' +
  '\\p{sc=Gujarati}\\p{sc=Oriya}\\p{sc=Tamil}\\p{sc=Telugu}\\p{sc=Kannada}\\p{sc=Malayalam}\\p{sc=Sinhala}';
const JOINS_BEFORE = new RegExp(`[${JOINING_SCRIPTS}\\p{Extended_Pictographic}\\p{Emoji_Modifier}\\uFE0F]`, 'u');
const JOINS_AFTER = new RegExp(`[${JOINING_SCRIPTS}\\p{Extended_Pictographic}]`, 'u');

/** The code point that ends just before UTF-16 index `i` (a whole surrogate pair), or '' at the start. */
function charBefore(s: string, i: number): string {
  const low = s.charCodeAt(i - 1);
  return low >= 0xdc00 && low <= 0xdfff && i >= 2 ? s.slice(i - 2, i) : s.slice(Math.max(0, i - 1), i);
}

/** `s` without its format characters, joiners that change the drawing excepted (see FORMAT). */
export function removeFormatCharacters(s: string): string {
  return s.replace(FORMAT, (ch: string, i: number) => {
    if (ch !== '\u200C' && ch !== '\u200D') return '';
    const next = s.codePointAt(i + 1);
    const after = next === undefined ? '' : String.fromCodePoint(next);
    return JOINS_BEFORE.test(charBefore(s, i)) && JOINS_AFTER.test(after) ? ch : '';
  });
}

/**
 * Format characters removed (removeFormatCharacters), NFC, every run of white space (the non-breaking and other Unicode
 * spaces included) as one space, trimmed: so that names that look the same are the same string. Comparing names is
 * then case-insensitive on top of this.
 */
export function normaliseText(s: string): string {
  return removeFormatCharacters(s).normalize('NFC').replace(/\s+/gu, ' ').trim();
}

export interface TextOptions {
  /** Shortest normalised length (default 1; 0 allows an empty value). */
  min?: number;
  /** Longest normalised length, in UTF-16 units (default 100). */
  max?: number;
}

/**
 * A one-line text field: refused when it holds a forbidden character, otherwise normalised (normaliseText: invisible
 * format characters go) and then held to its length limits. Its output is what should be stored and compared.
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
