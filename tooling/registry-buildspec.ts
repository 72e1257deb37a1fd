/**
 * Runs the mirror's buildspec, as written inline in template-mirror.yaml, on this machine.
 *
 * - The `build` phase (the copy) runs for real against local registries. Only the buildspec's own variables are
 *   overridden the documented way: SKOPEO points at the locally installed skopeo (Debian's, the same tool family
 *   the install phase builds), TLS_VERIFY=false for plain-http loopback registries, REGISTRY_AUTH_FILE at an empty
 *   temporary file. The `pre_build` ECR logins need AWS and are skipped.
 * - The `install` phase needs Go's module proxy, which this machine cannot reach: runInstallPhase runs its shell
 *   with stand-ins for `go` and `goenv` that record how they were called, to check the phase's own logic (which Go
 *   it picks, that checksum verification cannot be switched off by the image, that it refuses a binary built from
 *   anything but the pinned module and version).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
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

export type InstallRun = BuildRun & { goCalls: string };

/**
 * Runs the install phase with stand-ins first on PATH (see tests/integration/mirror/buildspec.test.ts), in an
 * environment that starts from `imageEnv` (what a CodeBuild image may have set). SKOPEO is redirected into a
 * temporary directory; the stand-in `go` writes its calls and the GO* environment of `go install` to a log.
 */
export function runInstallPhase(
  standIns: string,
  imageEnv: Record<string, string>,
  buildspec = mirrorBuildspec(),
): InstallRun {
  const home = tempDir('cloudcron-install-');
  const log = join(home, 'go-calls.log');
  const env: Record<string, string> = {
    PATH: `${standIns}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: home,
    TMPDIR: home,
    ...imageEnv,
    ...(buildspec.env?.variables ?? {}),
    SKOPEO: join(home, 'bin', 'skopeo'),
    STANDIN_LOG: log,
  };
  const script = buildspec.phases.install.commands.join('\n');
  const started = Date.now();
  const res = spawnSync(buildspec.env?.shell ?? 'sh', ['-c', script], { env, encoding: 'utf8', timeout: 60000 });
  let goCalls = '';
  try {
    goCalls = readFileSync(log, 'utf8');
  } catch {
    // go install was never reached
  }
  rmSync(home, { recursive: true, force: true });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr, ms: Date.now() - started, goCalls };
}
