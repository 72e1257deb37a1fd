/**
 * The copy build. It carries what the buildspec copies (public facts: repositories, digest, tag) and the opaque id
 * of the pending request, nothing else: no ResponseURL, no stack or request id. Anyone allowed
 * `codebuild:BatchGetBuilds` sees only that. The function reads nothing else back from a build: the answer is built
 * from the pending request it stored itself (pending.ts).
 */
import {
  BatchGetBuildsCommand,
  type CodeBuildClient,
  type EnvironmentVariable,
  StartBuildCommand,
} from '@aws-sdk/client-codebuild';
import { StartBuildError } from './errors';

/** What the build copies: read by the buildspec. */
export type CopyJob = {
  /** `<host>/<name>` of the source repository */
  sourceRepository: string;
  sourceRegistry: string;
  sourceRegion: string;
  /** digest of the single-platform manifest */
  imageDigest: string;
  destRepository: string;
  destRegistry: string;
  destTag: string;
};

const COPY_VARS: Record<keyof CopyJob, string> = {
  sourceRepository: 'SOURCE_REPOSITORY',
  sourceRegistry: 'SOURCE_REGISTRY',
  sourceRegion: 'SOURCE_REGION',
  imageDigest: 'IMAGE_DIGEST',
  destRepository: 'DEST_REPOSITORY',
  destRegistry: 'DEST_REGISTRY',
  destTag: 'DEST_TAG',
};

/** The build variable that names the pending request (an opaque id). */
export const REQUEST_ID_VAR = 'MIRROR_REQUEST_ID';
const OPAQUE_ID = /^[a-f0-9]{32}$/;

export function buildEnvironment(job: CopyJob, requestId: string): EnvironmentVariable[] {
  const vars: EnvironmentVariable[] = Object.entries(COPY_VARS).map(([key, name]) => ({
    name,
    value: job[key as keyof CopyJob],
    type: 'PLAINTEXT',
  }));
  vars.push({ name: REQUEST_ID_VAR, value: requestId, type: 'PLAINTEXT' });
  return vars;
}

type Var = { name?: string; value?: string };

/** The pending request's id from a build's variables; undefined when absent or not an opaque id. */
export function requestIdOf(vars: Var[] | undefined): string | undefined {
  const value = (vars ?? []).find((v) => v.name === REQUEST_ID_VAR)?.value;
  return value && OPAQUE_ID.test(value) ? value : undefined;
}

export async function startCopyBuild(
  codebuild: CodeBuildClient,
  projectName: string,
  job: CopyJob,
  requestId: string,
  idempotencyToken: string,
  signal?: AbortSignal,
): Promise<string> {
  try {
    const out = await codebuild.send(
      new StartBuildCommand({
        projectName,
        environmentVariablesOverride: buildEnvironment(job, requestId),
        // A retried invocation for the same request gets the same build back instead of a second one.
        idempotencyToken: idempotencyToken.slice(0, 64),
      }),
      signal ? { abortSignal: signal } : {},
    );
    const id = out.build?.id;
    if (!id) throw new Error('StartBuild returned no build id');
    return buildIdFromArn(id);
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new StartBuildError(
      `could not start the copy build in CodeBuild project ${projectName}: ${(e as { name?: string }).name ?? 'Error'}: ${(e as Error).message}`,
      { cause: e },
    );
  }
}

/** `arn:aws:codebuild:<region>:<account>:build/<project>:<uuid>` → `<project>:<uuid>` */
export function buildIdFromArn(arnOrId: string): string {
  const at = arnOrId.indexOf(':build/');
  return at >= 0 ? arnOrId.slice(at + ':build/'.length) : arnOrId;
}

/** When an event lacks the variables: read them from the build. */
export async function environmentOfBuild(
  codebuild: CodeBuildClient,
  buildArnOrId: string,
  signal?: AbortSignal,
): Promise<Var[]> {
  const out = await codebuild.send(
    new BatchGetBuildsCommand({ ids: [buildIdFromArn(buildArnOrId)] }),
    signal ? { abortSignal: signal } : {},
  );
  return out.builds?.[0]?.environment?.environmentVariables ?? [];
}
