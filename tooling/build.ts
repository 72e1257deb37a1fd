/**
 * `npm run build`: bundles every Lambda function with esbuild into dist/<name>/index.js.
 *
 * The single source of truth is each template's `Metadata: BuildMethod: esbuild` / `BuildProperties`, the
 * same block `sam build` reads, so both produce the same code. <name> is the entry file's folder
 * (functions/<name>/index.ts).
 */
import { mkdirSync, renameSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { type BuildOptions, build } from 'esbuild';
import { APPS } from './apps';
import { loadTemplate } from './cfn-yaml';

import { ROOT } from './paths';

export { ROOT };

export type FunctionBuild = { name: string; template: string; logicalId: string; options: BuildOptions };

type BuildProperties = {
  EntryPoints?: string[];
  Minify?: boolean;
  Target?: string;
  Sourcemap?: boolean;
  External?: string[];
  Format?: 'cjs' | 'esm';
  Platform?: 'node';
  MainFields?: string;
  Banner?: string;
  Loader?: string[];
};

/** Every app's template (tooling/apps.ts), as absolute paths. */
export function templateFiles(root = ROOT): string[] {
  return APPS.map((a) => join(root, a.template));
}

/** Reads the esbuild settings of every function, as `sam build` would. */
export function functionBuilds(root = ROOT): FunctionBuild[] {
  const builds = new Map<string, FunctionBuild>();
  for (const file of templateFiles(root)) {
    const template = loadTemplate(file);
    for (const [logicalId, res] of Object.entries(template.Resources)) {
      if (res.Type !== 'AWS::Serverless::Function' || res.Metadata?.BuildMethod !== 'esbuild') continue;
      const props = (res.Metadata.BuildProperties ?? {}) as BuildProperties;
      const codeUri = resolve(dirname(file), String(res.Properties?.CodeUri ?? '.'));
      const entries = props.EntryPoints ?? [];
      if (entries.length !== 1) throw new Error(`${file} ${logicalId}: BuildProperties.EntryPoints must name one file`);
      const entry = resolve(codeUri, entries[0]);
      const name = basename(dirname(entry));
      const options: BuildOptions = {
        entryPoints: [entry],
        bundle: true,
        platform: props.Platform ?? 'node',
        format: props.Format ?? 'cjs',
        target: props.Target ?? 'es2022',
        minify: props.Minify ?? false,
        sourcemap: props.Sourcemap ?? false,
        external: props.External ?? [],
        mainFields: props.MainFields ? props.MainFields.split(',') : undefined,
        banner: props.Banner ? { js: props.Banner } : undefined,
        outfile: join(root, 'dist', name, 'index.js'),
        logLevel: 'warning',
        legalComments: 'none',
      };
      const seen = builds.get(name);
      if (seen && JSON.stringify(seen.options) !== JSON.stringify(options)) {
        throw new Error(`function ${name} has different BuildProperties in ${seen.template} and ${file}`);
      }
      builds.set(name, { name, template: file, logicalId, options });
    }
  }
  return [...builds.values()];
}

export async function buildAll(root = ROOT, only?: string[]): Promise<FunctionBuild[]> {
  const all = functionBuilds(root).filter((b) => !only || only.length === 0 || only.includes(b.name));
  // Each bundle is written beside its target and renamed into place: test files that build the same function at
  // the same time never see a half-written or missing bundle.
  await Promise.all(
    all.map(async (b) => {
      const outfile = b.options.outfile as string;
      const tmp = `${outfile}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      mkdirSync(dirname(outfile), { recursive: true });
      await build({ ...b.options, outfile: tmp });
      renameSync(tmp, outfile);
    }),
  );
  return all;
}
