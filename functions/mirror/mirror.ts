/**
 * The mirror's two entry points, with every AWS client, the pending-request store and the response sender passed in:
 * - a CloudFormation custom resource request (Create, Update, Delete);
 * - a `CodeBuild Build State Change` event for the copy build, which answers the request that started it.
 *
 * Every request is answered exactly from what the function itself decided: the ResponseURL is checked first, the
 * destination is this mirror's own repository, the digest is the one the function resolved and stored, and nothing
 * read from a build can change the answer. Every phase runs under one deadline (deadline.ts), so a hung endpoint
 * becomes a FAILED answer naming the phase. docs/mirror.md lists every path and what it answers.
 */
import type { CodeBuildClient } from '@aws-sdk/client-codebuild';
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { CfnResponse, CfnStatus } from '../common/cfn-response';
import { CloudCronError } from '../common/errors';
import { checkResponseUrl, describeHost, type ResponseUrlPolicy } from '../common/response-url';
import { buildIdFromArn, type CopyJob, environmentOfBuild, requestIdOf, startCopyBuild } from './build';
import { type Budget, withDeadline } from './deadline';
import { deleteDigest, findDigest, tagDigest } from './destination';
import { ForeignRepositoryError, MalformedRequestError, PendingRequestError, ResponseDeliveryError } from './errors';
import { digestUri, type EcrRepository, parseDigestUri, taggedUri } from './image-ref';
import { PENDING_TTL_SECONDS, type PendingRequest, type PendingStore, pendingId } from './pending';
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
  pending: PendingStore;
  projectName: string;
  /** This mirror's own destination repository (from the template, not from the request). */
  repository: EcrRepository;
  responseUrlPolicy: ResponseUrlPolicy;
  /** PUTs the answer; gives up at `until` (epoch ms). Throws ResponseDeliveryError. */
  send(responseUrl: string, response: CfnResponse, until: number): Promise<void>;
  /** Records something that could not be answered, with its reason, in the dead-letter queue. */
  deadLetter(record: Record<string, unknown>): Promise<void>;
  log: Log;
  now?: () => number;
};

export type Outcome = {
  /**
   * SUCCESS/FAILED: answered; BUILDING: the build's end answers; IGNORED: nothing to answer (not this mirror's
   * request); UNANSWERABLE: no usable ResponseURL (dead-lettered); UNDELIVERED: CloudFormation refused the answer
   * (dead-lettered, without the URL).
   */
  status: CfnStatus | 'BUILDING' | 'IGNORED' | 'UNANSWERABLE' | 'UNDELIVERED';
  physicalResourceId?: string;
  buildId?: string;
  reason?: string;
};

export type MirrorData = { ImageUri: string; TaggedImageUri: string; ImageDigest: string };

export const TERMINAL_STATES = ['SUCCEEDED', 'FAILED', 'FAULT', 'STOPPED', 'TIMED_OUT'] as const;

/** A request older than this without a build id was abandoned by the function (it answered FAILED already). */
export const UNRECORDED_BUILD_GRACE_MS = 15 * 60 * 1000;

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
      phases?: {
        'phase-type'?: string;
        'phase-status'?: string;
        'phase-context'?: string[];
        'duration-in-seconds'?: number;
      }[];
      'timeout-in-minutes'?: number;
    };
  };
};

/** Anything shaped like a custom resource request, well-formed or not: it must be answered (or dead-lettered). */
export function isCloudFormationEvent(event: unknown): event is Record<string, unknown> {
  const e = event as Record<string, unknown> | null;
  if (!e || typeof e !== 'object' || Array.isArray(e)) return false;
  return ['ResponseURL', 'RequestType', 'ServiceToken', 'StackId'].some((k) => k in e);
}

export function isBuildStateEvent(event: unknown): event is BuildStateEvent {
  const e = event as Record<string, unknown> | null;
  return (
    !!e &&
    typeof e === 'object' &&
    e['detail-type'] === 'CodeBuild Build State Change' &&
    !!e.detail &&
    typeof e.detail === 'object'
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

/** The PhysicalResourceId of a Create that produced nothing: its Delete then has nothing to remove. */
export function notMirroredId(logicalResourceId: string): string {
  return `${logicalResourceId}-not-mirrored`;
}

type Target = { responseUrl: string; stackId: string; requestId: string; logicalResourceId: string };

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Sends one answer. Delivery failures throw ResponseDeliveryError. */
async function answer(
  deps: Deps,
  target: Target,
  budget: Budget,
  status: CfnStatus,
  physicalResourceId: string,
  extra: { reason?: string; data?: MirrorData } = {},
): Promise<Outcome> {
  const response: CfnResponse = {
    Status: status,
    PhysicalResourceId: physicalResourceId,
    StackId: target.stackId,
    RequestId: target.requestId,
    LogicalResourceId: target.logicalResourceId,
    ...(extra.reason ? { Reason: extra.reason } : {}),
    ...(extra.data ? { Data: extra.data } : {}),
  };
  await deps.send(target.responseUrl, response, budget.answerUntil);
  const log = status === 'FAILED' ? deps.log.warn.bind(deps.log) : deps.log.info.bind(deps.log);
  log(`answered CloudFormation ${status}`, {
    logicalResourceId: target.logicalResourceId,
    physicalResourceId,
    ...(extra.reason ? { reason: extra.reason } : {}),
  });
  return { status, physicalResourceId, ...(extra.reason ? { reason: extra.reason } : {}) };
}

/**
 * An answer to a request CloudFormation sent directly. When CloudFormation's URL refuses it, the request is
 * dead-lettered with its reason but without the URL (a failed invocation would put the whole request, URL
 * included, in Lambda's dead-letter queue, where its reader could answer in our place).
 */
async function answerRequest(
  deps: Deps,
  target: Target & { requestType: string },
  budget: Budget,
  status: CfnStatus,
  physicalResourceId: string,
  extra: { reason?: string; data?: MirrorData } = {},
): Promise<Outcome> {
  try {
    return await answer(deps, target, budget, status, physicalResourceId, extra);
  } catch (e) {
    if (!(e instanceof ResponseDeliveryError)) throw e;
    deps.log.error('CloudFormation did not accept the answer; recording it in the dead-letter queue', {
      error: e.message,
    });
    await deps.deadLetter({
      kind: 'UndeliveredAnswer',
      reason: e.message,
      answer: { Status: status, PhysicalResourceId: physicalResourceId, Reason: extra.reason },
      ...requestSummary(target),
    });
    return { status: 'UNDELIVERED', physicalResourceId, reason: e.message };
  }
}

function requestSummary(t: Partial<Target> & { requestType?: string }) {
  return {
    RequestType: t.requestType,
    StackId: t.stackId,
    RequestId: t.requestId,
    LogicalResourceId: t.logicalResourceId,
    ResponseURLHost: describeHost(t.responseUrl),
  };
}

/** What makes a request unanswerable by its content (the URL is checked before). */
function malformed(e: Record<string, unknown>): string | undefined {
  const missing = ['StackId', 'RequestId', 'LogicalResourceId'].filter((k) => !str(e[k]));
  if (missing.length) return `the request has no ${missing.join(', ')}: it was not sent by CloudFormation`;
  if (!['Create', 'Update', 'Delete'].includes(str(e.RequestType))) {
    return `unsupported RequestType ${JSON.stringify(e.RequestType ?? null)}: expected Create, Update or Delete`;
  }
  const props = e.ResourceProperties;
  if (!props || typeof props !== 'object' || Array.isArray(props)) {
    return 'the request has no ResourceProperties: it was not sent by CloudFormation';
  }
  if (e.RequestType !== 'Create' && !str(e.PhysicalResourceId)) {
    return `the ${e.RequestType} request has no PhysicalResourceId: it was not sent by CloudFormation`;
  }
  return undefined;
}

export async function handleCloudFormation(event: unknown, deps: Deps, budget: Budget): Promise<Outcome> {
  const e = (event ?? {}) as Record<string, unknown>;
  const target = {
    responseUrl: str(e.ResponseURL),
    stackId: str(e.StackId),
    requestId: str(e.RequestId),
    logicalResourceId: str(e.LogicalResourceId),
    requestType: str(e.RequestType),
  };
  deps.log.info(`CloudFormation ${target.requestType || 'request'}`, {
    logicalResourceId: target.logicalResourceId,
    requestId: target.requestId,
    physicalResourceId: str(e.PhysicalResourceId) || undefined,
  });
  // 1. The URL, before anything else: a request whose URL is not CloudFormation's is never answered.
  try {
    checkResponseUrl(e.ResponseURL, deps.responseUrlPolicy);
  } catch (err) {
    const reason = reasonOf(err);
    deps.log.error('the request cannot be answered; recording it in the dead-letter queue', {
      reason,
      ...requestSummary(target),
    });
    await deps.deadLetter({ kind: 'UnusableResponseUrl', reason, ...requestSummary(target) });
    return { status: 'UNANSWERABLE', reason };
  }
  // 2. The shape: a malformed request is answered FAILED before any AWS call.
  const problem = malformed(e);
  if (problem) {
    const physicalId = str(e.PhysicalResourceId) || notMirroredId(target.logicalResourceId || 'MirroredImage');
    deps.log.warn('malformed request', { reason: problem });
    return answerRequest(deps, target, budget, 'FAILED', physicalId, {
      reason: new MalformedRequestError(problem).message,
    });
  }
  const request = e as unknown as Request;
  if (request.RequestType === 'Delete') return remove(request, target, deps, budget);
  return createOrUpdate(request, target, deps, budget);
}

type Request = {
  RequestType: 'Create' | 'Update' | 'Delete';
  ResponseURL: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  PhysicalResourceId?: string;
  ResourceProperties: Record<string, unknown>;
};

function ownRepository(deps: Deps, uri: string): void {
  if (uri !== deps.repository.uri) {
    throw new ForeignRepositoryError(
      `DestinationRepositoryUri ${uri} is not this mirror's repository ${deps.repository.uri}: the template sets it, leave it as it is`,
    );
  }
}

async function createOrUpdate(
  event: Request,
  target: Target & { requestType: string },
  deps: Deps,
  budget: Budget,
): Promise<Outcome> {
  const now = deps.now ?? Date.now;
  const failureId =
    event.RequestType === 'Update' && event.PhysicalResourceId
      ? event.PhysicalResourceId
      : notMirroredId(event.LogicalResourceId);
  let recorded: string | undefined;
  try {
    const props = parseProperties(event.ResourceProperties);
    ownRepository(deps, props.destination.uri);
    const dest = deps.repository;
    const source = await withDeadline(
      'resolve source',
      `ECR in ${props.source.region} (BatchGetImage of ${taggedUri(props.source, props.sourceTag)})`,
      budget.workUntil,
      (signal) =>
        resolveSource(deps.ecr(props.source.region), props.source, props.sourceTag, props.architecture, signal),
      now,
    );
    deps.log.info('resolved source image', {
      source: taggedUri(props.source, props.sourceTag),
      digest: source.digest,
      ...(source.platform ? { platform: source.platform, indexDigest: source.indexDigest } : {}),
    });
    const physicalId = digestUri(dest, source.digest);
    const destEcr = deps.ecr(dest.region);
    const tags = await withDeadline(
      'check destination',
      `ECR in ${dest.region} (DescribeImages of ${dest.uri})`,
      budget.workUntil,
      (signal) => findDigest(destEcr, dest, source.digest, signal),
      now,
    );
    if (tags) {
      if (!tags.includes(props.sourceTag)) {
        await withDeadline(
          'check destination',
          `ECR in ${dest.region} (PutImage of tag ${props.sourceTag})`,
          budget.workUntil,
          (signal) => tagDigest(destEcr, dest, source.digest, props.sourceTag, signal),
          now,
        );
      }
      return await answerRequest(deps, target, budget, 'SUCCESS', physicalId, {
        data: mirrorData(dest, source.digest, props.sourceTag),
      });
    }
    const id = pendingId(event.StackId, event.RequestId, event.LogicalResourceId);
    const created = now();
    const pending: PendingRequest = {
      id,
      requestType: event.RequestType as 'Create' | 'Update',
      responseUrl: event.ResponseURL,
      stackId: event.StackId,
      requestId: event.RequestId,
      logicalResourceId: event.LogicalResourceId,
      physicalResourceId: physicalId,
      failurePhysicalResourceId: failureId,
      destRepository: dest.uri,
      imageDigest: source.digest,
      destTag: props.sourceTag,
      createdAt: created,
      expiresAt: Math.floor(created / 1000) + PENDING_TTL_SECONDS,
    };
    await withDeadline(
      'record the request',
      'DynamoDB (PutItem of the pending request)',
      budget.workUntil,
      (signal) => deps.pending.put(pending, signal),
      now,
    );
    recorded = id;
    const job: CopyJob = {
      sourceRepository: props.source.uri,
      sourceRegistry: props.source.host,
      sourceRegion: props.source.region,
      imageDigest: source.digest,
      destRepository: dest.uri,
      destRegistry: dest.host,
      destTag: props.sourceTag,
    };
    const buildId = await withDeadline(
      'start build',
      `CodeBuild (StartBuild of project ${deps.projectName})`,
      budget.workUntil,
      (signal) => startCopyBuild(deps.codebuild, deps.projectName, job, id, id, signal),
      now,
    );
    await withDeadline(
      'start build',
      'DynamoDB (UpdateItem recording the build id)',
      budget.workUntil,
      (signal) => deps.pending.setBuild(id, buildId, signal),
      now,
    );
    deps.log.info('started the copy build; its end answers CloudFormation', { buildId, digest: source.digest });
    return { status: 'BUILDING', physicalResourceId: physicalId, buildId };
  } catch (e) {
    deps.log.warn(`${event.RequestType} failed`, { error: reasonOf(e) });
    const outcome = await answerRequest(deps, target, budget, 'FAILED', failureId, { reason: reasonOf(e) });
    if (recorded) await forget(deps, recorded, budget);
    return outcome;
  }
}

/** Deletes an answered request's item; a failure only leaves it to the table's TTL. */
async function forget(deps: Deps, id: string, budget: Budget): Promise<void> {
  try {
    await withDeadline(
      'forget the request',
      'DynamoDB (DeleteItem)',
      budget.answerUntil,
      (signal) => deps.pending.remove(id, signal),
      deps.now,
    );
  } catch (e) {
    deps.log.warn('could not delete the answered request; the table TTL removes it', { error: reasonOf(e) });
  }
}

async function remove(event: Request, target: Target & { requestType: string }, deps: Deps, budget: Budget) {
  const physicalId = event.PhysicalResourceId ?? notMirroredId(event.LogicalResourceId);
  const mirrored = parseDigestUri(physicalId);
  let keep = true;
  try {
    keep = parseProperties(event.ResourceProperties).keepImagesOnDelete;
  } catch (e) {
    deps.log.warn('Delete with unreadable properties: keeping any image', { error: reasonOf(e) });
  }
  // Only an image of this mirror's own repository is ever deleted (not merely one in the same registry).
  if (!keep && mirrored && mirrored.repository.uri === deps.repository.uri) {
    try {
      const result = await withDeadline(
        'delete image',
        `ECR in ${deps.repository.region} (BatchDeleteImage)`,
        budget.workUntil,
        (signal) => deleteDigest(deps.ecr(deps.repository.region), deps.repository, mirrored.digest, signal),
        deps.now,
      );
      deps.log.info(`image ${result}`, { image: physicalId });
    } catch (e) {
      // Cleanup must not block the stack: the image stays and the lifecycle policy expires it later.
      deps.log.warn('could not delete the mirrored image; it is left for the lifecycle policy', { error: reasonOf(e) });
    }
  } else if (!keep && mirrored) {
    deps.log.warn('the image is not in this mirror repository: nothing deleted', { image: physicalId });
  }
  return answerRequest(deps, target, budget, 'SUCCESS', physicalId);
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

/** Seconds each phase took, as the event reports them (the install phase is the copy tool's cost). */
function phaseDurations(event: BuildStateEvent): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of event.detail['additional-information']?.phases ?? []) {
    if (p['phase-type'] && typeof p['duration-in-seconds'] === 'number')
      out[p['phase-type']] = p['duration-in-seconds'];
  }
  return out;
}

type Lookup = { record?: PendingRequest; failures: string[] };

/**
 * Finds the request a build answers: by the id in the event (a consistent read); else by the build's own id (the
 * table's index, then a consistent read); only then, for an event without the id, by the id the build itself
 * carries (BatchGetBuilds). CodeBuild comes last and is needed only if the index has no entry yet, so a hung
 * CodeBuild cannot use up the time the table's lookups need. Each step stops at the work deadline.
 */
async function findPending(event: BuildStateEvent, buildId: string, deps: Deps, budget: Budget): Promise<Lookup> {
  const now = deps.now ?? Date.now;
  const failures: string[] = [];
  const step = <T>(what: string, work: (signal: AbortSignal) => Promise<T>) =>
    withDeadline('find the pending request', what, budget.workUntil, work, now);
  const byId = async (id: string, label: string): Promise<PendingRequest | undefined> => {
    try {
      return await step('DynamoDB (GetItem)', (signal) => deps.pending.get(id, signal));
    } catch (e) {
      failures.push(`${label}: ${reasonOf(e)}`);
      return undefined;
    }
  };
  const carried = requestIdOf(event.detail['additional-information']?.environment?.['environment-variables']);
  if (carried) {
    const record = await byId(carried, 'GetItem');
    if (record) return { record, failures };
  }
  try {
    const record = await step('DynamoDB (Query by build id)', (signal) => deps.pending.findByBuild(buildId, signal));
    if (record) return { record, failures };
  } catch (e) {
    failures.push(`Query by build id: ${reasonOf(e)}`);
  }
  if (!carried) {
    let id: string | undefined;
    try {
      id = requestIdOf(
        await step('CodeBuild (BatchGetBuilds)', (signal) => environmentOfBuild(deps.codebuild, buildId, signal)),
      );
    } catch (e) {
      failures.push(`BatchGetBuilds: ${reasonOf(e)}`);
    }
    if (id) {
      const record = await byId(id, 'GetItem of the id in the build');
      if (record) return { record, failures };
    }
  }
  return { failures };
}

export async function handleBuildStateChange(event: BuildStateEvent, deps: Deps, budget: Budget): Promise<Outcome> {
  const now = deps.now ?? Date.now;
  const d = event.detail;
  const buildId = buildIdFromArn(str(d['build-id']));
  if (d['project-name'] !== deps.projectName || !(TERMINAL_STATES as readonly string[]).includes(d['build-status'])) {
    deps.log.info('ignoring build event', { project: d['project-name'], status: d['build-status'] });
    return { status: 'IGNORED', buildId };
  }
  const lookup = await findPending(event, buildId, deps, budget);
  const { record, failures } = lookup;
  if (!record) {
    if (failures.length) {
      // Without the request there is no URL to answer: fail, so Lambda retries the event (it holds no secret).
      throw new PendingRequestError(
        `could not look up the CloudFormation request of build ${buildId} (${failures.join('; ')}): the event is retried, then dead-lettered`,
      );
    }
    deps.log.info('no pending request for this build: it was answered already, expired, or not started here', {
      buildId,
    });
    return { status: 'IGNORED', buildId };
  }
  if (record.buildId === undefined) {
    if (now() - record.createdAt < UNRECORDED_BUILD_GRACE_MS) {
      throw new PendingRequestError(
        `the request ${record.id} has no build recorded yet (its StartBuild is in progress): the event is retried`,
      );
    }
    deps.log.warn('ignoring a build of a request that was abandoned before its build was recorded', { buildId });
    await forget(deps, record.id, budget);
    return { status: 'IGNORED', buildId };
  }
  if (record.buildId !== buildId) {
    deps.log.warn('the build names a request that waits for another build: ignored', {
      buildId,
      expectedBuildId: record.buildId,
    });
    return { status: 'IGNORED', buildId };
  }
  const target: Target = {
    responseUrl: record.responseUrl,
    stackId: record.stackId,
    requestId: record.requestId,
    logicalResourceId: record.logicalResourceId,
  };
  try {
    checkResponseUrl(record.responseUrl, deps.responseUrlPolicy);
  } catch (e) {
    await deps.deadLetter({ kind: 'UnusableResponseUrl', reason: reasonOf(e), buildId, ...requestSummary(target) });
    await forget(deps, record.id, budget);
    return { status: 'UNANSWERABLE', buildId, reason: reasonOf(e) };
  }
  deps.log.info(`copy build ended ${d['build-status']}`, { buildId, phaseSeconds: phaseDurations(event) });
  let outcome: Outcome;
  if (d['build-status'] !== 'SUCCEEDED') {
    outcome = await answer(deps, target, budget, 'FAILED', record.failurePhysicalResourceId, {
      reason: failureReason(event),
    });
  } else {
    // The answer is built from the stored request alone: the repository is this mirror's, the digest is the one
    // the function resolved; only ECR's word that the digest is there makes it SUCCESS.
    let verdict: { ok: true } | { ok: false; reason: string };
    try {
      const tags = await withDeadline(
        'check destination',
        `ECR in ${deps.repository.region} (DescribeImages of ${deps.repository.uri})`,
        budget.workUntil,
        (signal) => findDigest(deps.ecr(deps.repository.region), deps.repository, record.imageDigest, signal),
        now,
      );
      verdict = tags
        ? { ok: true }
        : {
            ok: false,
            reason: `copy build ${buildId} succeeded but ${deps.repository.uri} does not hold ${record.imageDigest}: the copy changed the digest or the image was removed; see ${d['additional-information']?.logs?.['deep-link'] ?? 'the build log'}`,
          };
    } catch (e) {
      verdict = { ok: false, reason: reasonOf(e) };
    }
    outcome = verdict.ok
      ? await answer(deps, target, budget, 'SUCCESS', record.physicalResourceId, {
          data: mirrorData(deps.repository, record.imageDigest, record.destTag),
        })
      : await answer(deps, target, budget, 'FAILED', record.failurePhysicalResourceId, { reason: verdict.reason });
  }
  await forget(deps, record.id, budget);
  return { ...outcome, buildId };
}
