/**
 * The copy build and the CloudFormation request that waits for it.
 *
 * The pending request (ResponseURL, StackId, RequestId, LogicalResourceId, the PhysicalResourceId to answer with)
 * travels with the build as environment-variable overrides of StartBuild. Starting the build and recording the
 * request are then one API call, so no failure can leave a build whose answer was never written down. The
 * `CodeBuild Build State Change` event carries the variables back in
 * `additional-information.environment.environment-variables`; when an event lacks them, BatchGetBuilds reads them
 * from the build itself.
 */
import {
  BatchGetBuildsCommand,
  type CodeBuildClient,
  type EnvironmentVariable,
  StartBuildCommand,
} from '@aws-sdk/client-codebuild';
import { PendingRequestError, StartBuildError } from './errors';

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

/** The CloudFormation request the build's end must answer. */
export type PendingRequest = {
  RequestType: 'Create' | 'Update';
  ResponseURL: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  /** The id to answer with on success (the digest-pinned destination image). */
  PhysicalResourceId: string;
  /** The id to answer with on failure: the previous one on Update, a placeholder on Create. */
  FailurePhysicalResourceId: string;
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

const PENDING_VARS: Record<keyof PendingRequest, string> = {
  RequestType: 'CFN_REQUEST_TYPE',
  ResponseURL: 'CFN_RESPONSE_URL',
  StackId: 'CFN_STACK_ID',
  RequestId: 'CFN_REQUEST_ID',
  LogicalResourceId: 'CFN_LOGICAL_RESOURCE_ID',
  PhysicalResourceId: 'CFN_PHYSICAL_RESOURCE_ID',
  FailurePhysicalResourceId: 'CFN_FAILURE_PHYSICAL_RESOURCE_ID',
};

export function buildEnvironment(job: CopyJob, pending: PendingRequest): EnvironmentVariable[] {
  const vars: EnvironmentVariable[] = [];
  for (const [key, name] of Object.entries(COPY_VARS))
    vars.push({ name, value: job[key as keyof CopyJob], type: 'PLAINTEXT' });
  for (const [key, name] of Object.entries(PENDING_VARS)) {
    vars.push({ name, value: pending[key as keyof PendingRequest], type: 'PLAINTEXT' });
  }
  return vars;
}

type Var = { name?: string; value?: string };

/** Reads the copy job and pending request back from a build's variables; undefined when any is missing. */
export function fromEnvironment(vars: Var[] | undefined): { job: CopyJob; pending: PendingRequest } | undefined {
  const map = new Map((vars ?? []).map((v) => [v.name, v.value]));
  const job = {} as Record<string, string>;
  for (const [key, name] of Object.entries(COPY_VARS)) {
    const value = map.get(name);
    if (!value) return undefined;
    job[key] = value;
  }
  const pending = {} as Record<string, string>;
  for (const [key, name] of Object.entries(PENDING_VARS)) {
    const value = map.get(name);
    if (!value) return undefined;
    pending[key] = value;
  }
  if (pending.RequestType !== 'Create' && pending.RequestType !== 'Update') return undefined;
  return { job: job as CopyJob, pending: pending as PendingRequest };
}

export async function startCopyBuild(
  codebuild: CodeBuildClient,
  projectName: string,
  job: CopyJob,
  pending: PendingRequest,
): Promise<string> {
  try {
    const out = await codebuild.send(
      new StartBuildCommand({
        projectName,
        environmentVariablesOverride: buildEnvironment(job, pending),
        // A retried invocation for the same request gets the same build back instead of a second one.
        idempotencyToken: pending.RequestId.slice(0, 64),
      }),
    );
    const id = out.build?.id;
    if (!id) throw new Error('StartBuild returned no build id');
    return id;
  } catch (e) {
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

/** Fallback when an event lacks the variables: read them from the build. */
export async function environmentOfBuild(codebuild: CodeBuildClient, buildArnOrId: string): Promise<Var[]> {
  try {
    const out = await codebuild.send(new BatchGetBuildsCommand({ ids: [buildIdFromArn(buildArnOrId)] }));
    return out.builds?.[0]?.environment?.environmentVariables ?? [];
  } catch (e) {
    throw new PendingRequestError(
      `could not read build ${buildArnOrId} to find the CloudFormation request it answers`,
      {
        cause: e,
      },
    );
  }
}
