/**
 * The skeleton every Cloud Cron custom resource provider shares: check the ResponseURL, run the work for Create,
 * Update or Delete and always answer CloudFormation, SUCCESS with the resource's id and data, or FAILED with a
 * Reason that says what to fix (CloudFormation shows it as the resource's status reason). A stack never waits for
 * an answer that does not come.
 *
 * A request whose ResponseURL is not CloudFormation's (response-url.ts) was not sent by CloudFormation: it gets no
 * work and no answer, only an UnusableResponseUrlError (the invocation fails and Lambda logs it), so whoever can
 * invoke a provider can neither make it act on a forged request nor make it PUT to a URL of their choice.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import type { CfnResponse } from './cfn-response';
import { CloudCronError } from './errors';
import { checkResponseUrl, type ResponseUrlPolicy } from './response-url';

export type CustomResourceResult = { physicalResourceId: string; data?: Record<string, string> };
export type CustomResourceWork = (event: CloudFormationCustomResourceEvent) => Promise<CustomResourceResult>;
export type Send = (responseUrl: string, response: CfnResponse) => Promise<void>;

export function isCustomResourceEvent(event: unknown): event is CloudFormationCustomResourceEvent {
  if (!event || typeof event !== 'object') return false;
  const e = event as Record<string, unknown>;
  return (
    typeof e.RequestType === 'string' &&
    typeof e.ResponseURL === 'string' &&
    typeof e.StackId === 'string' &&
    typeof e.RequestId === 'string' &&
    typeof e.LogicalResourceId === 'string'
  );
}

/** The id to report when Create failed before a resource existed: Delete (on rollback) recognises it as nothing. */
export const FAILED_PREFIX = 'cloud-cron-failed-';

export function failedCreateId(event: CloudFormationCustomResourceEvent): string {
  return `${FAILED_PREFIX}${event.LogicalResourceId}-${event.RequestId.slice(0, 8)}`;
}

export async function answerCustomResource(
  event: CloudFormationCustomResourceEvent,
  work: CustomResourceWork,
  send: Send,
  policy: ResponseUrlPolicy,
  onError: (error: unknown) => void = () => undefined,
): Promise<CfnResponse> {
  // Before anything else: throws UnusableResponseUrlError, naming the host only (never the signature).
  checkResponseUrl(event.ResponseURL, policy);
  const base = { StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId };
  let response: CfnResponse;
  try {
    const result = await work(event);
    response = {
      ...base,
      Status: 'SUCCESS',
      PhysicalResourceId: result.physicalResourceId,
      ...(result.data ? { Data: result.data } : {}),
    };
  } catch (e) {
    onError(e);
    const reason =
      e instanceof CloudCronError
        ? e.message
        : `internal error in ${event.LogicalResourceId}'s provider: ${(e as Error)?.message ?? e}`;
    response = {
      ...base,
      Status: 'FAILED',
      Reason: reason,
      PhysicalResourceId:
        'PhysicalResourceId' in event && event.PhysicalResourceId ? event.PhysicalResourceId : failedCreateId(event),
    };
  }
  await send(event.ResponseURL, response);
  return response;
}
