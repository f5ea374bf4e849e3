// A generated section of a doc: everything from its begin marker to its end marker, replaced whole. Shared by the
// scripts that write docs/accuracy.md's generated sections, so each is a pure function of its results files.

/** `doc` with the text from `begin` through `end` replaced by `section` (which carries both markers itself). */
export function replaceMarked(doc: string, begin: string, end: string, section: string, what = 'the doc'): string {
  const a = doc.indexOf(begin),
    b = doc.indexOf(end);
  if (a < 0 || b < a) throw new Error(`${what} has no ${begin.slice(5, begin.indexOf(' ', 5))} markers`);
  return doc.slice(0, a) + section + doc.slice(b + end.length);
}
