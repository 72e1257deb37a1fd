/**
 * The members of a JSON object text, in order, duplicates kept. `JSON.parse` keeps only the last of two equal keys
 * (and `{"A\u004c": ...}` names the key `AL`), so duplicates can only be found by reading every key as written and
 * comparing decoded names. A small tokenizer: no regular expression over the text, no recursion.
 */

export type JsonMember = {
  /** The key, decoded (`"A\u004c"` is `AL`). */
  key: string;
  /** The key as written, quotes included. */
  raw: string;
  value: unknown;
};

/** The end (exclusive) of the string token that starts at `start` (a `"`). */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') i += 2;
    else if (c === '"') return i + 1;
    else i += 1;
  }
  return text.length;
}

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r';

/**
 * The members of the top-level object of `text`, which must already be known to be valid JSON whose top level is an
 * object (the caller runs JSON.parse first, for its error messages).
 */
export function objectMembers(text: string): JsonMember[] {
  const members: JsonMember[] = [];
  let i = text.indexOf('{') + 1;
  const skipSpace = () => {
    while (isSpace(text[i])) i += 1;
  };
  for (;;) {
    skipSpace();
    if (text[i] === '}' || i >= text.length) return members;
    if (text[i] === ',') {
      i += 1;
      continue;
    }
    // A key.
    const keyEnd = stringEnd(text, i);
    const raw = text.slice(i, keyEnd);
    i = keyEnd;
    skipSpace();
    i += 1; // the colon
    skipSpace();
    // The value: to the comma or brace that closes it at this level.
    const start = i;
    let depth = 0;
    while (i < text.length) {
      const c = text[i];
      if (c === '"') {
        i = stringEnd(text, i);
        continue;
      }
      if (c === '{' || c === '[') depth += 1;
      else if (c === '}' || c === ']') {
        if (depth === 0) break;
        depth -= 1;
      } else if (c === ',' && depth === 0) break;
      i += 1;
    }
    members.push({ key: JSON.parse(raw) as string, raw, value: JSON.parse(text.slice(start, i)) });
  }
}
