/**
 * The mirror's two entry points, with every AWS client and the response sender passed in:
 * - a CloudFormation custom resource request (Create, Update, Delete);
 * - a `CodeBuild Build State Change` event for the copy build, which answers the request that started it.
 * Every path that starts no build answers CloudFormation before returning; a build's terminal state answers later.
 */
import type { CodeBuildClient } from '@aws-sdk/client-codebuild';
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { CloudCronError } from '../common/errors';
import { type CopyJob, environmentOfBuild, fromEnvironment, type PendingRequest, startCopyBuild } from './build';
import type { CfnResponse, CfnStatus } from './cfn-response';
import { deleteDigest, findDigest, tagDigest } from './destination';
import { digestUri, type EcrRepository, parseDigestUri, taggedUri } from './image-ref';
import { parseProperties } from './properties';
import { resolveSource } from './source';

export type Log = {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
};

export type Deps = {
  /** An ECR client for a region (source and destination may differ). */
  ecr(region: string): ECRClient;
  codebuild: CodeBuildClient;
  projectName: string;
  send(responseUrl: string, response: CfnResponse): Promise<void>;
  log: Log;
};

export type Outcome = {
  status: CfnStatus | 'BUILDING' | 'IGNORED';
  physicalResourceId?: string;
  buildId?: string;
  reason?: string;
};

export type MirrorData = { ImageUri: string; TaggedImageUri: string; ImageDigest: string };

export const TERMINAL_STATES = ['SUCCEEDED', 'FAILED', 'FAULT', 'STOPPED', 'TIMED_OUT'] as const;

export type BuildStateEvent = {
  source: string;
  'detail-type': 'CodeBuild Build State Change';
  region?: string;
  detail: {
    'build-status': string;
    'project-name': string;
    'build-id': string;
    'current-phase'?: string;
    'current-phase-context'?: string;
    'additional-information'?: {
      environment?: { 'environment-variables'?: { name?: string; value?: string; type?: string }[] };
      logs?: { 'deep-link'?: string; 'group-name'?: string; 'stream-name'?: string };
      phases?: { 'phase-type'?: string; 'phase-status'?: string; 'phase-context'?: string[] }[];
      'timeout-in-minutes'?: number;
    };
  };
};

export function isCloudFormationEvent(event: unknown): event is CloudFormationCustomResourceEvent {
  const e = event as Record<string, unknown> | null;
  return !!e && typeof e === 'object' && typeof e.RequestType === 'string' && typeof e.ResponseURL === 'string';
}

export function isBuildStateEvent(event: unknown): event is BuildStateEvent {
  const e = event as Record<string, unknown> | null;
  return (
    !!e && typeof e === 'object' && e['detail-type'] === 'CodeBuild Build State Change' && typeof e.detail === 'object'
  );
}

/** The text of an error for a Reason: our own errors are written to be read as they are. */
function reasonOf(e: unknown): string {
  if (e instanceof CloudCronError) return e.message;
  const err = e as Error;
  if (err && typeof err.message === 'string') {
    const generic = err.name === 'Error' || err.name === undefined;
    return generic ? err.message : `${err.name}: ${err.message}`;
  }
  return String(e);
}

export function mirrorData(dest: { uri: string }, digest: string, tag: string): MirrorData {
  return { ImageUri: `${dest.uri}@${digest}`, TaggedImageUri: `${dest.uri}:${tag}`, ImageDigest: digest };
}

async function answer(
  deps: Deps,
  request: { ResponseURL: string; StackId: string; RequestId: string; LogicalResourceId: string },
  status: CfnStatus,
  physicalResourceId: string,
  extra: { reason?: string; data?: MirrorData } = {},
): Promise<Outcome> {
  const response: CfnResponse = {
    Status: status,
    PhysicalResourceId: physicalResourceId,
    StackId: request.StackId,
    RequestId: request.RequestId,
    LogicalResourceId: request.LogicalResourceId,
    ...(extra.reason ? { Reason: extra.reason } : {}),
    ...(extra.data ? { Data: extra.data } : {}),
  };
  await deps.send(request.ResponseURL, response);
  const log = status === 'FAILED' ? deps.log.warn.bind(deps.log) : deps.log.info.bind(deps.log);
  log(`answered CloudFormation ${status}`, {
    logicalResourceId: request.LogicalResourceId,
    physicalResourceId,
    ...(extra.reason ? { reason: extra.reason } : {}),
  });
  return { status, physicalResourceId, ...(extra.reason ? { reason: extra.reason } : {}) };
}

/** The PhysicalResourceId of a Create that produced nothing: its Delete then has nothing to remove. */
export function notMirroredId(logicalResourceId: string): string {
  return `${logicalResourceId}-not-mirrored`;
}

async function createOrUpdate(
  event: Extract<CloudFormationCustomResourceEvent, { RequestType: 'Create' | 'Update' }>,
  deps: Deps,
): Promise<Outcome> {
  const failureId = event.RequestType === 'Update' ? event.PhysicalResourceId : notMirroredId(event.LogicalResourceId);
  let phase = 'reading the properties';
  try {
    const props = parseProperties(event.ResourceProperties);
    phase = `resolving ${props.source.uri}:${props.sourceTag}`;
    const source = await resolveSource(
      deps.ecr(props.source.region),
      props.source,
      props.sourceTag,
      props.architecture,
    );
    deps.log.info('resolved source image', {
      source: taggedUri(props.source, props.sourceTag),
      digest: source.digest,
      ...(source.platform ? { platform: source.platform, indexDigest: source.indexDigest } : {}),
    });
    const dest = props.destination;
    const physicalId = digestUri(dest, source.digest);
    const data = mirrorData(dest, source.digest, props.sourceTag);
    phase = `checking ${dest.uri}`;
    const destEcr = deps.ecr(dest.region);
    const tags = await findDigest(destEcr, dest, source.digest);
    if (tags) {
      if (!tags.includes(props.sourceTag)) await tagDigest(destEcr, dest, source.digest, props.sourceTag);
      return await answer(deps, event, 'SUCCESS', physicalId, { data });
    }
    phase = 'starting the copy build';
    const job: CopyJob = {
      sourceRepository: props.source.uri,
      sourceRegistry: props.source.host,
      sourceRegion: props.source.region,
      imageDigest: source.digest,
      destRepository: dest.uri,
      destRegistry: dest.host,
      destTag: props.sourceTag,
    };
    const pending: PendingRequest = {
      RequestType: event.RequestType,
      ResponseURL: event.ResponseURL,
      StackId: event.StackId,
      RequestId: event.RequestId,
      LogicalResourceId: event.LogicalResourceId,
      PhysicalResourceId: physicalId,
      FailurePhysicalResourceId: failureId,
    };
    const buildId = await startCopyBuild(deps.codebuild, deps.projectName, job, pending);
    deps.log.info('started the copy build; its end answers CloudFormation', { buildId, digest: source.digest });
    return { status: 'BUILDING', physicalResourceId: physicalId, buildId };
  } catch (e) {
    deps.log.warn(`${event.RequestType} failed while ${phase}`, { error: reasonOf(e) });
    return answer(deps, event, 'FAILED', failureId, { reason: reasonOf(e) });
  }
}

function sameRegistry(a: EcrRepository, b: EcrRepository): boolean {
  return a.registryId === b.registryId && a.region === b.region;
}

async function remove(event: Extract<CloudFormationCustomResourceEvent, { RequestType: 'Delete' }>, deps: Deps) {
  const physicalId = event.PhysicalResourceId;
  const mirrored = parseDigestUri(physicalId);
  let keep = true;
  let destination: EcrRepository | undefined;
  try {
    const props = parseProperties(event.ResourceProperties);
    keep = props.keepImagesOnDelete;
    destination = props.destination;
  } catch (e) {
    deps.log.warn('Delete with unreadable properties: keeping any image', { error: reasonOf(e) });
  }
  if (!keep && mirrored && destination && sameRegistry(mirrored.repository, destination)) {
    try {
      const result = await deleteDigest(deps.ecr(mirrored.repository.region), mirrored.repository, mirrored.digest);
      deps.log.info(`image ${result}`, { image: physicalId });
    } catch (e) {
      // Cleanup must not block the stack: the image stays and the lifecycle policy expires it later.
      deps.log.warn('could not delete the mirrored image; it is left for the lifecycle policy', { error: reasonOf(e) });
    }
  }
  return answer(deps, event, 'SUCCESS', physicalId);
}

export async function handleCloudFormation(event: CloudFormationCustomResourceEvent, deps: Deps): Promise<Outcome> {
  deps.log.info(`CloudFormation ${event.RequestType}`, {
    logicalResourceId: event.LogicalResourceId,
    requestId: event.RequestId,
    physicalResourceId: 'PhysicalResourceId' in event ? event.PhysicalResourceId : undefined,
  });
  if (event.RequestType === 'Delete') return remove(event, deps);
  if (event.RequestType === 'Create' || event.RequestType === 'Update') return createOrUpdate(event, deps);
  const unknown = event as { RequestType: string; LogicalResourceId: string };
  return answer(deps, event as never, 'FAILED', notMirroredId(unknown.LogicalResourceId), {
    reason: `unsupported RequestType ${unknown.RequestType}`,
  });
}

const HINTS: Record<string, string> = {
  FAILED: 'the copy failed',
  FAULT: 'CodeBuild had an internal fault; retry the deployment',
  STOPPED: 'the build was stopped before it finished',
  TIMED_OUT: 'the build did not finish within its timeout (queued or running)',
};

/** The cause of a failed build: the first phase that did not succeed and what CodeBuild said about it. */
export function failureReason(event: BuildStateEvent): string {
  const d = event.detail;
  const info = d['additional-information'] ?? {};
  const status = d['build-status'];
  const failed = (info.phases ?? []).find((p) => p['phase-status'] && p['phase-status'] !== 'SUCCEEDED');
  const phase = failed?.['phase-type'] ?? d['current-phase'];
  const context =
    (failed?.['phase-context'] ?? []).filter((c) => c && c !== ':').join('; ') || d['current-phase-context'];
  const where = phase ? ` in phase ${phase}` : '';
  const what = context && context !== '[]' ? ` (${context})` : '';
  const link = info.logs?.['deep-link'];
  return `copy build ${d['build-id']} ended ${status}${where}${what}: ${HINTS[status] ?? 'the copy did not finish'}. Log: ${link ?? 'no log link in the event'}`;
}

export async function handleBuildStateChange(event: BuildStateEvent, deps: Deps): Promise<Outcome> {
  const d = event.detail;
  const buildId = d['build-id'];
  if (d['project-name'] !== deps.projectName || !(TERMINAL_STATES as readonly string[]).includes(d['build-status'])) {
    deps.log.info('ignoring build event', { project: d['project-name'], status: d['build-status'] });
    return { status: 'IGNORED', buildId };
  }
  let found = fromEnvironment(d['additional-information']?.environment?.['environment-variables']);
  if (!found) found = fromEnvironment(await environmentOfBuild(deps.codebuild, buildId));
  if (!found) {
    deps.log.warn('build carries no CloudFormation request: it was not started by the mirror function', { buildId });
    return { status: 'IGNORED', buildId };
  }
  const { job, pending } = found;
  if (d['build-status'] !== 'SUCCEEDED') {
    const outcome = await answer(deps, pending, 'FAILED', pending.FailurePhysicalResourceId, {
      reason: failureReason(event),
    });
    return { ...outcome, buildId };
  }
  const dest = { uri: job.destRepository };
  try {
    const parsed = parseDigestUri(pending.PhysicalResourceId);
    if (!parsed) throw new Error(`PhysicalResourceId ${pending.PhysicalResourceId} is not a digest-pinned image`);
    const tags = await findDigest(deps.ecr(parsed.repository.region), parsed.repository, job.imageDigest);
    if (!tags) {
      throw new Error(
        `copy build ${buildId} succeeded but ${job.destRepository} does not hold ${job.imageDigest}: the copy changed the digest or was removed; see ${d['additional-information']?.logs?.['deep-link'] ?? 'the build log'}`,
      );
    }
  } catch (e) {
    const outcome = await answer(deps, pending, 'FAILED', pending.FailurePhysicalResourceId, { reason: reasonOf(e) });
    return { ...outcome, buildId };
  }
  const outcome = await answer(deps, pending, 'SUCCESS', pending.PhysicalResourceId, {
    data: mirrorData(dest, job.imageDigest, job.destTag),
  });
  return { ...outcome, buildId };
}
