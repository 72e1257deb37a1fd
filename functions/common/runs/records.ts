/**
 * Lambda's asynchronous-invocation destination records, as they arrive on an EventBridge bus, and what the runs
 * ledger keeps of them.
 *
 * Lambda puts one event per finished asynchronous invocation on the bus named as a destination:
 *
 *   { "version": "0", "id": "...", "source": "lambda",
 *     "detail-type": "Lambda Function Invocation Result - Success" (or "... - Failure"),
 *     "resources": [<bus ARN>, <function ARN:$LATEST>], "time": "...",
 *     "detail": {                                   the invocation record
 *       "version": "1.0", "timestamp": "2030-01-31T08:00:01.234Z",
 *       "requestContext": { "requestId": "...", "functionArn": "...:function:name:$LATEST",
 *                           "condition": "Success" | "RetriesExhausted" | "EventAgeExceeded",
 *                           "approximateInvokeCount": 1 },
 *       "requestPayload": <the event>, "responseContext": { "statusCode": 200, "executedVersion": "$LATEST",
 *                           "functionError": "Unhandled" (failures) }, "responsePayload": <the result or error> } }
 *
 * events/runs-destination-*.json hold documented samples. Only what the ledger needs is read: the request context,
 * the job context inside the request payload (when ScheduleContext is on), the error's type and message (scrubbed)
 * and, on success, the job's own timing report. Payloads and results are never kept.
 */
import { CloudCronError } from '../errors';
import { readJobContext } from './job-context';
import type { Condition, RunItem } from './ledger';
import { expiresAt, functionNameOf, jobPk, LEDGER_VERSION, runSk, runTime, unqualifiedArn } from './ledger';
import { cleanErrorType, scrubMessage } from './scrub';

export const DESTINATION_SOURCE = 'lambda';
export const DESTINATION_DETAIL_TYPE_PREFIX = 'Lambda Function Invocation Result';

/** An event that is not a readable destination record. Its message says which field is wrong. */
export class UnreadableRecordError extends CloudCronError {
  override name = 'UnreadableRecordError';
}

export type DestinationEvent = {
  version?: string;
  id?: string;
  source: string;
  'detail-type': string;
  resources?: string[];
  time?: string;
  account?: string;
  region?: string;
  detail: InvocationRecord;
};

export type InvocationRecord = {
  version?: string;
  timestamp: string;
  requestContext: { requestId: string; functionArn: string; condition: Condition; approximateInvokeCount: number };
  requestPayload?: unknown;
  responseContext?: { statusCode?: number; executedVersion?: string; functionError?: string };
  responsePayload?: unknown;
};

export type RecorderSettings = { retentionDays: number; errorMessages: 'scrubbed' | 'none' };

const FUNCTION_ARN = /^arn:[a-z-]+:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]{1,128})?$/;
const REQUEST_ID = /^[A-Za-z0-9-]{1,128}$/;
const CONDITION = /^[A-Za-z]{1,64}$/;
/** Lambda's message when a run hits its timeout ("Task timed out after 3.00 seconds"). */
const TIMED_OUT = /Task timed out after [\d.]+ seconds/;

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** A wrong value as the reason shows it: JSON, at most 80 characters (the reason is logged and kept in the DLQ). */
function shown(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function fail(problem: string): never {
  throw new UnreadableRecordError(`not a Lambda destination record: ${problem}`);
}

/** Checks the event's shape; throws UnreadableRecordError naming the first field that is wrong. */
export function readDestinationEvent(event: unknown): DestinationEvent {
  if (!isObject(event)) fail('the event is not a JSON object');
  if (event.source !== DESTINATION_SOURCE) fail(`source is ${shown(event.source)}, expected "lambda"`);
  const type = event['detail-type'];
  if (typeof type !== 'string' || !type.startsWith(DESTINATION_DETAIL_TYPE_PREFIX)) {
    fail(`detail-type is ${shown(type)}, expected "${DESTINATION_DETAIL_TYPE_PREFIX} - Success" or "- Failure"`);
  }
  const detail = event.detail;
  if (!isObject(detail)) fail('detail is not an object');
  const ts = detail.timestamp;
  if (typeof ts !== 'string' || Number.isNaN(Date.parse(ts))) fail(`detail.timestamp ${shown(ts)} is not a date-time`);
  const rc = detail.requestContext;
  if (!isObject(rc)) fail('detail.requestContext is missing');
  if (typeof rc.requestId !== 'string' || !REQUEST_ID.test(rc.requestId)) {
    fail(`detail.requestContext.requestId ${shown(rc.requestId)} is not a request id`);
  }
  if (typeof rc.functionArn !== 'string' || !FUNCTION_ARN.test(rc.functionArn)) {
    fail(`detail.requestContext.functionArn ${shown(rc.functionArn)} is not a Lambda function ARN`);
  }
  if (typeof rc.condition !== 'string' || !CONDITION.test(rc.condition)) {
    fail(`detail.requestContext.condition ${shown(rc.condition)} is not a condition`);
  }
  const count = rc.approximateInvokeCount;
  if (count !== undefined && (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > 1000)) {
    fail(`detail.requestContext.approximateInvokeCount ${shown(count)} is not a count`);
  }
  const success = type.endsWith('Success');
  if (success !== (rc.condition === 'Success')) {
    fail(`detail-type "${type}" does not agree with condition "${rc.condition}"`);
  }
  return event as unknown as DestinationEvent;
}

function errorOf(payload: unknown): { type?: string; message?: string } {
  if (isObject(payload)) {
    const message = typeof payload.errorMessage === 'string' ? payload.errorMessage : undefined;
    return { type: cleanErrorType(payload.errorType), message };
  }
  return typeof payload === 'string' ? { message: payload } : {};
}

function jobTiming(payload: unknown): { startedAt?: string; durationMs?: number } {
  if (!isObject(payload) || !isObject(payload.cloudCron)) return {};
  const { startedAt, durationMs } = payload.cloudCron;
  const out: { startedAt?: string; durationMs?: number } = {};
  if (typeof startedAt === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(startedAt) && !Number.isNaN(Date.parse(startedAt))) {
    out.startedAt = new Date(startedAt).toISOString();
  }
  if (typeof durationMs === 'number' && Number.isFinite(durationMs) && durationMs >= 0 && durationMs < 86_400_000) {
    out.durationMs = Math.round(durationMs);
  }
  return out;
}

/** The ledger item for a destination record. `now` is when it is recorded. */
export function runItemFromRecord(event: DestinationEvent, settings: RecorderSettings, now: Date): RunItem {
  const d = event.detail;
  const rc = d.requestContext;
  const endedAt = new Date(d.timestamp).toISOString();
  const job = functionNameOf(rc.functionArn);
  const context = readJobContext(d.requestPayload);
  const item: RunItem = {
    pk: jobPk(job),
    sk: runSk(rc.requestId, rc.condition),
    t: runTime(endedAt, rc.requestId),
    kind: 'run',
    v: LEDGER_VERSION,
    job,
    functionArn: unqualifiedArn(rc.functionArn),
    status: 'succeeded',
    condition: rc.condition,
    requestId: rc.requestId,
    endedAt,
    attempts: rc.approximateInvokeCount ?? 1,
    recordedAt: now.toISOString(),
    expiresAt: expiresAt(endedAt, settings.retentionDays),
  };
  if (context) {
    item.scheduledTime = context.scheduledTime;
    if (context.executionId) item.executionId = context.executionId;
    if (context.attempt) item.deliveryAttempt = Number(context.attempt);
    item.trigger = context.trigger;
  }
  const version = d.responseContext?.executedVersion;
  if (typeof version === 'string' && /^[\w$.-]{1,128}$/.test(version)) item.executedVersion = version;
  if (rc.condition === 'Success') {
    Object.assign(item, jobTiming(d.responsePayload));
    return item;
  }
  const error = errorOf(d.responsePayload);
  const functionError = d.responseContext?.functionError;
  if (typeof functionError === 'string' && /^[A-Za-z]{1,32}$/.test(functionError)) item.functionError = functionError;
  item.status = error.message && TIMED_OUT.test(error.message) ? 'timed_out' : 'failed';
  item.errorType =
    error.type ??
    (item.status === 'timed_out'
      ? 'Sandbox.Timedout'
      : rc.condition === 'EventAgeExceeded'
        ? 'EventAgeExceeded'
        : undefined);
  if (!item.errorType) delete item.errorType;
  if (settings.errorMessages === 'scrubbed' && error.message) {
    const message = scrubMessage(error.message);
    if (message) item.errorMessage = message;
  }
  if (rc.condition === 'EventAgeExceeded' && !item.errorMessage) {
    item.errorMessage =
      'the event was older than MaximumEventAgeInSeconds before it could run (throttled or the function was unavailable)';
  }
  item.notified = false;
  return item;
}
