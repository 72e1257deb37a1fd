/**
 * The bundles under test: each function's dist/<name>/index.js (built by scripts/build.ts from its template's
 * BuildProperties) and the baseline bundles of bench/baselines/, built here with the very same esbuild options
 * (the options of the function they stand beside), only the entry point and the output file differ.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { FunctionName as AppFunction } from '../../tooling/apps';
import { buildAll, type FunctionBuild, functionBuilds, ROOT } from '../../tooling/build';

/**
 * The functions with a cold-start and warm benchmark (each has a baseline in bench/baselines/ and a context in
 * lib/env.ts). Names come from the app list (tooling/apps.ts): a function an app no longer builds fails to compile.
 */
export const FUNCTIONS = ['email', 'sms', 'webhook', 'mirror', 'macro'] as const satisfies readonly AppFunction[];
export type FunctionName = (typeof FUNCTIONS)[number];

/** Baseline entries (bench/baselines/<entry>.ts) and the function whose build options they use. */
export const BASELINES = {
  email: 'email',
  'email-deps': 'email',
  'email-floor': 'email',
  sms: 'sms',
  'sms-floor': 'sms',
  webhook: 'webhook',
  'webhook-deps': 'webhook',
  'webhook-floor': 'webhook',
  mirror: 'mirror',
  macro: 'macro',
} as const satisfies Record<string, FunctionName>;
export type BaselineName = keyof typeof BASELINES;

/**
 * Packages the email function bundles but loads only when its configuration needs them (TemplatesS3Uri,
 * templates, an HTML template without a text one).
 */
export const EMAIL_OPTIONAL_PACKAGES = ['@aws-sdk/client-s3', 'handlebars', 'html-to-text'];

export type Bundles = {
  functions: Record<FunctionName, string>;
  baselines: Record<BaselineName, string>;
  builds: Record<FunctionName, FunctionBuild>;
  /**
   * The email function built with EMAIL_OPTIONAL_PACKAGES left out of the bundle (external): it loads in the
   * default configuration, and shows what merely carrying the optional code costs. Never deployed.
   */
  emailWithoutOptional: string;
};

export function bytes(file: string): number {
  return statSync(file).size;
}

export async function buildBundles(outDir: string): Promise<Bundles> {
  const built = await buildAll(ROOT, [...FUNCTIONS]);
  const builds = Object.fromEntries(functionBuilds(ROOT).map((b) => [b.name, b])) as Record<string, FunctionBuild>;
  for (const name of FUNCTIONS) {
    if (!builds[name]) throw new Error(`no template builds the ${name} function (found ${built.map((b) => b.name)})`);
  }
  const baselines = {} as Record<BaselineName, string>;
  await Promise.all(
    (Object.entries(BASELINES) as [BaselineName, FunctionName][]).map(async ([entry, fn]) => {
      const outfile = join(outDir, `baseline-${entry}.js`);
      await build({
        ...builds[fn].options,
        entryPoints: [join(ROOT, 'bench', 'baselines', `${entry}.ts`)],
        outfile,
        logLevel: 'error',
      });
      baselines[entry] = outfile;
    }),
  );
  const emailWithoutOptional = join(outDir, 'email-without-optional.js');
  await build({
    ...builds.email.options,
    external: [...(builds.email.options.external ?? []), ...EMAIL_OPTIONAL_PACKAGES],
    outfile: emailWithoutOptional,
    logLevel: 'error',
  });
  return {
    emailWithoutOptional,
    functions: Object.fromEntries(FUNCTIONS.map((f) => [f, builds[f].options.outfile as string])) as Record<
      FunctionName,
      string
    >,
    baselines,
    builds: builds as Record<FunctionName, FunctionBuild>,
  };
}

/**
 * The functions and their cold-start baselines built again with other esbuild main fields (an experiment:
 * `MainFields: module,main` makes esbuild take the AWS SDK's ES module builds, which it can tree-shake).
 */
export async function buildWithMainFields(
  bundles: Bundles,
  outDir: string,
  mainFields: string[],
): Promise<Record<FunctionName, { fn: string; base: string }>> {
  const out = {} as Record<FunctionName, { fn: string; base: string }>;
  await Promise.all(
    FUNCTIONS.map(async (name) => {
      const options = { ...bundles.builds[name].options, mainFields, logLevel: 'error' as const };
      const fn = join(outDir, `${name}-${mainFields.join('-')}.js`);
      const base = join(outDir, `baseline-${name}-${mainFields.join('-')}.js`);
      await build({ ...options, outfile: fn });
      await build({ ...options, entryPoints: [join(ROOT, 'bench', 'baselines', `${name}.ts`)], outfile: base });
      out[name] = { fn, base };
    }),
  );
  return out;
}
