/**
 * Runs the mirror's buildspec, as written inline in template-mirror.yaml, on this machine.
 *
 * Only the `build` phase runs. The `install` phase (download and checksum-check of the pinned skopeo) and the
 * `pre_build` phase (ECR logins) need the internet and AWS, so they are skipped; instead the buildspec's own
 * variables are overridden the documented way: SKOPEO points at the locally installed skopeo, TLS_VERIFY=false
 * for plain-http loopback registries, REGISTRY_AUTH_FILE at an empty temporary file. The copy variables are the
 * ones the mirror function passes to StartBuild.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { readTemplate } from './cfn';
import { tempDir } from './paths';
import { SKOPEO_BIN } from './registry-image';

export type Buildspec = {
  version: number | string;
  env?: { shell?: string; variables?: Record<string, string> };
  phases: Record<string, { commands: string[] }>;
};

export function mirrorBuildspec(templateFile = 'template-mirror.yaml'): Buildspec {
  const template = readTemplate(templateFile);
  const source = template.Resources.CopyProject?.Properties?.Source as { BuildSpec?: unknown } | undefined;
  if (typeof source?.BuildSpec !== 'string') throw new Error(`${templateFile}: CopyProject has no inline BuildSpec`);
  return parse(source.BuildSpec) as Buildspec;
}

export type CopyVariables = {
  SOURCE_REPOSITORY: string;
  IMAGE_DIGEST: string;
  DEST_REPOSITORY: string;
  DEST_TAG: string;
};

export type BuildRun = { status: number | null; stdout: string; stderr: string; ms: number };

/** Runs the build phase's commands in one bash session (as CodeBuild does with `shell: bash`). */
export function runBuildPhase(vars: CopyVariables, buildspec = mirrorBuildspec()): BuildRun {
  const home = tempDir('cloudcron-build-');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    // mktemp in the buildspec then writes under this run's directory, removed below.
    TMPDIR: home,
    ...(buildspec.env?.variables ?? {}),
    SKOPEO: SKOPEO_BIN,
    TLS_VERIFY: 'false',
    REGISTRY_AUTH_FILE: join(home, 'auth.json'),
    ...vars,
  };
  const script = buildspec.phases.build.commands.join('\n');
  const started = Date.now();
  const res = spawnSync(buildspec.env?.shell ?? 'sh', ['-c', script], { env, encoding: 'utf8', timeout: 120000 });
  rmSync(home, { recursive: true, force: true });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr, ms: Date.now() - started };
}
