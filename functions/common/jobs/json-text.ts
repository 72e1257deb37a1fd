/**
 * A job file's text to a value: JSON.parse, with the line and column of a syntax error, and a refusal of keys that
 * appear twice in one object (JSON.parse silently keeps the last one, which hides mistakes such as two "schedule"
 * blocks). Pure, for the browser too.
 */

export type TextProblem = { path: string; pointer: string; code: string; message: string };

/** Line and column (1-based) of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return { line, column: offset - last };
}

/**
 * Where the first syntax error of `text` is and what it is, found by a strict JSON scanner (engines word and place
 * their JSON.parse errors differently; some give no position at all).
 */
export function syntaxError(text: string): { offset: number; problem: string } | undefined {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const fail = (problem: string): never => {
    throw { offset: i, problem };
  };
  const what = () => (i >= text.length ? 'the end of the text' : `${JSON.stringify(text[i])}`);
  const string = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      const c = text.charCodeAt(i);
      if (c < 0x20) fail('a line break or control character inside a string: write it as \\n or remove it');
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail('a \\u escape needs four hex digits');
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? '')) fail(`"\\${text[i] ?? ''}" is not a JSON escape`);
      }
      i++;
    }
    if (i >= text.length) fail('a string is not closed: add the closing "');
    i++;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"')
          fail(
            text[i] === '}'
              ? 'a trailing comma before "}": remove it'
              : `expected a property name in double quotes, found ${what()}`,
          );
        string();
        ws();
        if (text[i] !== ':') fail(`expected ":" after the property name, found ${what()}`);
        i++;
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail(`expected "," or "}" after a property value, found ${what()}`);
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] === ']') fail('a trailing comma before "]": remove it');
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail(`expected "," or "]" after a list item, found ${what()}`);
      }
    }
    if (c === '"') {
      string();
      return;
    }
    const m = /^(-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (!m) {
      if (c === "'") fail('strings and names are in double quotes in JSON, not single quotes');
      fail(`expected a value (a string, number, object, list, true, false or null), found ${what()}`);
    }
    i += m![0].length;
  };
  try {
    value();
    ws();
    if (i < text.length) fail(`unexpected ${what()} after the end of the document`);
    return undefined;
  } catch (e) {
    if (e && typeof e === 'object' && 'offset' in e) return e as { offset: number; problem: string };
    throw e;
  }
}

export const segment = (key: string | number): string =>
  typeof key === 'number' ? `[${key}]` : /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
export const pointerSegment = (key: string | number): string =>
  `/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;

type Frame = { kind: 'object' | 'array'; keys: Set<string>; expectKey: boolean; key?: string; index: number };

/** Keys repeated in one object, with their paths. The text must be valid JSON. */
export function duplicateKeys(text: string): { path: string; pointer: string; key: string }[] {
  const found: { path: string; pointer: string; key: string }[] = [];
  const stack: Frame[] = [];
  const paths: { path: string; pointer: string }[] = [];
  const here = () => paths[paths.length - 1] ?? { path: '', pointer: '' };
  const childOf = (frame: Frame | undefined) => {
    const base = here();
    if (!frame) return base;
    const key = frame.kind === 'object' ? (frame.key ?? '') : frame.index;
    return { path: base.path + segment(key), pointer: base.pointer + pointerSegment(key) };
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const top = stack[stack.length - 1];
      if (top?.kind === 'object' && top.expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key)) {
          const at = here();
          found.push({
            path: (at.path + segment(key)).replace(/^\./, ''),
            pointer: at.pointer + pointerSegment(key),
            key,
          });
        }
        top.keys.add(key);
        top.key = key;
        top.expectKey = false;
      }
      i = j;
    } else if (c === '{' || c === '[') {
      const parent = stack[stack.length - 1];
      if (stack.length > 0) paths.push(childOf(parent));
      stack.push({ kind: c === '{' ? 'object' : 'array', keys: new Set(), expectKey: c === '{', index: 0 });
    } else if (c === '}' || c === ']') {
      stack.pop();
      if (stack.length > 0) paths.pop();
    } else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top?.kind === 'object') top.expectKey = true;
      else if (top) top.index++;
    }
  }
  return found;
}

export type ParsedText = { ok: true; value: unknown } | { ok: false; errors: TextProblem[] };

/** Parses a job file's text; a syntax error says where, a repeated key says which. */
export function parseJsonText(text: string): ParsedText {
  let value: unknown;
  try {
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    const found = syntaxError(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    const where = found ? lineColumn(text, found.offset) : undefined;
    const problem = found?.problem ?? (e as Error).message;
    return {
      ok: false,
      errors: [
        {
          path: '',
          pointer: '',
          code: 'json.syntax',
          message: `not valid JSON${where ? ` at line ${where.line}, column ${where.column}` : ''}: ${problem}`,
        },
      ],
    };
  }
  const dups = duplicateKeys(text);
  if (dups.length > 0) {
    return {
      ok: false,
      errors: dups.map((d) => ({
        path: d.path,
        pointer: d.pointer,
        code: 'json.duplicate-key',
        message: `${d.path}: "${d.key}" appears twice in the same object (JSON keeps only the last): remove one of them`,
      })),
    };
  }
  return { ok: true, value };
}
