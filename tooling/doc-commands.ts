/**
 * The shell commands the documentation shows: every line of a ```bash / ```sh block (continuations and multi-line
 * quotes joined, `cd` followed), and every inline code span that starts with a command (`npx ...`, `sam ...`), each
 * split into simple commands (at `&&`, `||`, `;`, `|`) and words exactly as a POSIX shell splits them (Python's
 * shlex in POSIX mode). The docs test runs the safe ones and checks the rest.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ROOT } from './paths';

export type DocCommand = {
  /** The documentation file, relative to the root. */
  file: string;
  line: number;
  /** The command as written (continuations joined). */
  text: string;
  /** The folder it runs in, relative to the root: a page's code blocks run where it says (a `cd` moves them);
   *  inline commands in prose, from the root. */
  cwd: string;
  inline: boolean;
  /** Its simple commands, each as the shell's words. */
  commands: string[][];
  /** What the shell would say of it when it cannot even be split (unbalanced quotes). */
  error?: string;
};

/** Words that start a command in prose (`npx cloud-cron ...`): other inline code is not a command. */
export const COMMAND_WORDS = ['npx', 'npm', 'node', 'sam', 'aws', 'docker', 'curl', 'cd', 'terraform'];

/** Where quotes are still open at the end of `text` (to join a quoted string spanning lines). */
function openQuote(text: string): string | undefined {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote === "'") {
      if (c === "'") quote = undefined;
    } else if (c === '\\') {
      i++;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]))) {
      return quote;
    }
  }
  return quote;
}

type Raw = Omit<DocCommand, 'commands'>;

function extract(file: string, text: string, cwd: string): Raw[] {
  const out: Raw[] = [];
  const lines = text.split('\n');
  let fence: string | undefined;
  // The folder commands run in: like one shell session through the page, a `cd` moves it for what follows.
  let dir = cwd;
  let pending: { text: string; line: number } | undefined;
  const prose: { text: string; line: number }[] = [];
  for (const [i, line] of lines.entries()) {
    const f = /^\s*```(\w*)/.exec(line);
    if (f) {
      fence = fence === undefined ? f[1] : undefined;
      prose.push({ text: '', line: i + 1 });
      continue;
    }
    if (fence === 'bash' || fence === 'sh' || fence === 'shell') {
      const joined = pending ? `${pending.text}\n${line}` : line;
      const start = pending?.line ?? i + 1;
      if (/\\$/.test(line) || openQuote(joined) !== undefined) {
        pending = { text: joined.replace(/\\$/, ''), line: start };
        continue;
      }
      pending = undefined;
      const command = joined.trim();
      if (command === '' || command.startsWith('#')) continue;
      out.push({ file, line: start, text: command, cwd: dir, inline: false });
      const cd = /^cd\s+(\S+)\s*$/.exec(command);
      if (cd) dir = relative(ROOT, resolve(ROOT, dir, cd[1]));
    } else if (fence === undefined) {
      prose.push({ text: line, line: i + 1 });
    }
  }
  // Inline code in prose, which may wrap across lines within a paragraph.
  const joined = prose.map((p) => p.text).join('\n');
  const lineAt = (offset: number) => prose[joined.slice(0, offset).split('\n').length - 1]?.line ?? 0;
  for (const m of joined.matchAll(/(?<!`)`([^`\n]+(?:\n[^`\n]+)?)`(?!`)/g)) {
    const span = m[1].replace(/\s+/g, ' ').trim();
    if (COMMAND_WORDS.includes(span.split(' ')[0]) && span.includes(' '))
      out.push({ file, line: lineAt(m.index ?? 0), text: span, cwd: '', inline: true });
  }
  return out.sort((a, b) => a.line - b.line);
}

// Splits each command into simple commands and words, as a POSIX shell would (no expansion).
const SPLIT = `
import json, shlex, sys
out = []
for text in json.load(sys.stdin):
    lexer = shlex.shlex(text, posix=True, punctuation_chars=';&|')
    lexer.whitespace_split = True
    lexer.commenters = '#'
    commands, words = [], []
    try:
        for token in lexer:
            if token in ('&&', '||', ';', '|', '&'):
                if words: commands.append(words)
                words = []
            else:
                words.append(token)
    except ValueError as e:
        out.append(str(e))
        continue
    if words: commands.append(words)
    out.append(commands)
print(json.dumps(out))
`;

/** Each text's simple commands, or the shell's complaint (e.g. "No closing quotation"). */
export function splitShell(texts: string[]): (string[][] | string)[] {
  const json = execFileSync('python3', ['-c', SPLIT], { input: JSON.stringify(texts), encoding: 'utf8' });
  return JSON.parse(json) as (string[][] | string)[];
}

/**
 * Every command of the given documentation files (paths relative to the root). `cwdOf` says where a file's code blocks
 * run (default: the root), e.g. a README whose commands run "from this folder".
 */
export function docCommands(files: string[], cwdOf: (file: string) => string = () => ''): DocCommand[] {
  const raw = files.flatMap((file) => extract(file, readFileSync(join(ROOT, file), 'utf8'), cwdOf(file)));
  const split = splitShell(raw.map((r) => r.text));
  return raw.map((r, i) => {
    const s = split[i];
    return typeof s === 'string' ? { ...r, commands: [], error: s } : { ...r, commands: s };
  });
}
