/**
 * Which way imports may point, and the imports of a set of files read with TypeScript's own pre-processor (ES
 * imports and exports, `import()`, `require()`), resolved to repository paths (relative specifiers, and the names of
 * the repository's own packages, e.g. `@cloud-cron/job`). The house test runs it on every tracked .ts/.js file.
 *
 *   functions/common   imports nothing of ours but itself and schemas/ (shared domains: no app's code; the published
 *                      JSON Schemas are data it validates against, so they cannot drift from the validator)
 *   functions/<app>    functions/common and itself, never another app
 *   cli                functions and itself (product code: never tooling, scripts, bench, tests or examples)
 *   bin                cli
 *   packages/job       itself only (published to npm: nothing of functions, tooling or tests goes with it)
 *   packages/job/test  the library and tooling (emulator launchers); never scripts
 *   examples/job       itself and packages/job by its package name (a user's job: the library, nothing of ours)
 *   tooling            the product (functions, cli) and itself
 *   scripts            tooling, the product and itself; never tests or bench
 *   bench              tooling, the product and itself; never tests or scripts
 *   tests              anything but scripts (thin commands, run as commands; their logic lives in tooling)
 */
import { dirname, join, normalize } from 'node:path';
import ts from 'typescript';

export type ImportEdge = { from: string; to: string; specifier: string };

/** The area of a repository path: `functions/<app>` for functions, else its top folder (or the file itself). */
export function areaOf(path: string): string {
  const parts = path.split('/');
  if (parts[0] === 'functions') return parts.length > 2 ? `functions/${parts[1]}` : 'functions';
  if (parts[0] === 'examples') return parts.length > 2 ? `examples/${parts[1]}` : 'examples';
  if (parts[0] === 'packages' && parts.length > 2)
    return parts[2] === 'test' ? `packages/${parts[1]}/test` : `packages/${parts[1]}`;
  return parts.length > 1 ? parts[0] : path;
}

type Rule = { area: (a: string) => boolean; may: (to: string, from: string) => boolean; says: string };

const inArea = (prefix: string) => (a: string) => a === prefix || a.startsWith(`${prefix}/`);
const product = (a: string) => a.startsWith('functions/') || a === 'cli';

export const RULES: Rule[] = [
  {
    area: (a) => a === 'functions/common',
    may: (to) => to === 'functions/common' || to === 'schemas',
    says: 'functions/common imports nothing but itself and schemas/ (no app code, no tooling)',
  },
  {
    area: (a) => a.startsWith('functions/') && a !== 'functions/common',
    may: (to, from) => to === 'functions/common' || to === from,
    says: 'a function imports functions/common and its own folder only',
  },
  { area: inArea('cli'), may: (to) => product(to), says: 'cli/ is product code: it imports functions/ and cli/ only' },
  { area: inArea('bin'), may: (to) => to === 'cli', says: 'bin/ imports cli/ only' },
  {
    area: (a) => a.startsWith('packages/') && !a.endsWith('/test'),
    may: (to, from) => to === from,
    says: 'a package under packages/ is published on its own: it imports itself only (never functions, tooling, tests)',
  },
  {
    area: (a) => a.startsWith('packages/') && a.endsWith('/test'),
    may: (to, from) => to === from || to === from.replace(/\/test$/, '') || to === 'tooling',
    says: "a package's tests import the package and tooling/ only",
  },
  {
    area: (a) => a === 'examples/job',
    may: (to) => to === 'examples/job' || to === 'packages/job',
    says: "examples/job is a user's job: itself and the job library (@cloud-cron/job), nothing else of ours",
  },
  {
    area: inArea('tooling'),
    may: (to) => product(to) || to === 'tooling',
    says: 'tooling/ imports the product and itself, never scripts, bench, tests or examples',
  },
  {
    area: inArea('scripts'),
    may: (to) => product(to) || to === 'tooling' || to === 'scripts',
    says: 'scripts/ use tooling/ (and the product), never tests or bench',
  },
  {
    area: inArea('bench'),
    may: (to) => product(to) || to === 'tooling' || to === 'bench',
    says: 'bench/ uses tooling/ (and the product), never tests or scripts',
  },
  {
    area: inArea('tests'),
    may: (to) => to !== 'scripts',
    says: 'tests use tooling/, not scripts/ (thin commands: tested by running them)',
  },
];

const EXTENSIONS = ['', '.ts', '.js', '.json', '/index.ts', '/index.js'];

/**
 * The relative imports of each file, and those of `packages` (package name => its entry file, e.g. tsconfig.json's
 * paths), resolved against the set of files (a specifier naming no file is kept as is). Other bare names (npm
 * packages, node:) are not ours and are left out.
 */
export function importEdges(
  files: { path: string; text: string }[],
  packages: Record<string, string> = {},
): ImportEdge[] {
  const known = new Set(files.map((f) => f.path));
  const edges: ImportEdge[] = [];
  for (const f of files) {
    const info = ts.preProcessFile(f.text, true, true);
    for (const { fileName: specifier } of info.importedFiles) {
      const own = Object.hasOwn(packages, specifier) ? packages[specifier] : undefined;
      if (own !== undefined) {
        edges.push({ from: f.path, to: own, specifier });
        continue;
      }
      if (!specifier.startsWith('.')) continue;
      const base = normalize(join(dirname(f.path), specifier));
      const to = EXTENSIONS.map((e) => base + e).find((p) => known.has(p)) ?? base;
      edges.push({ from: f.path, to, specifier });
    }
  }
  return edges;
}

/** Each import that breaks a rule, as `file imports target (specifier): rule`. */
export function importViolations(edges: ImportEdge[]): string[] {
  const out: string[] = [];
  for (const e of edges) {
    if (e.to.startsWith('..')) {
      out.push(`${e.from} imports ${e.specifier}, outside the repository`);
      continue;
    }
    const from = areaOf(e.from);
    const to = areaOf(e.to);
    for (const rule of RULES) {
      if (rule.area(from) && !rule.may(to, from)) out.push(`${e.from} imports ${e.to} (${e.specifier}): ${rule.says}`);
    }
  }
  return out;
}

/** The repository's own packages by name, from a tsconfig's `compilerOptions.paths` (`{"@x/y": ["./packages/y/src/index.ts"]}`). */
export function ownPackages(tsconfigText: string): Record<string, string> {
  const { config, error } = ts.parseConfigFileTextToJson('tsconfig.json', tsconfigText);
  if (error) throw new Error(`tsconfig.json: ${ts.flattenDiagnosticMessageText(error.messageText, '\n')}`);
  const paths = (config?.compilerOptions?.paths ?? {}) as Record<string, string[]>;
  return Object.fromEntries(
    Object.entries(paths)
      .filter(([name, targets]) => !name.includes('*') && targets.length > 0)
      .map(([name, targets]) => [name, normalize(targets[0])]),
  );
}
