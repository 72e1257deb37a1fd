/**
 * The recorder's work for one event from the Runs bus: a Lambda destination record, or a scheduled task's run as
 * its task monitor reports it (functions/common/runs/task-runs.ts), becomes one ledger item.
 *
 * - A record delivered twice (EventBridge and Lambda both deliver at least once) is the same item (request id and
 *   condition; a task's id): the conditional put records it once.
 * - A final failure (RetriesExhausted, EventAgeExceeded) also puts a "Cloud Cron Run Failed" event on the bus, for
 *   the job stack to forward to its FailureTopicArn. Outbox order: the item is written with notified=false, one
 *   caller claims it (a conditional update, so two deliveries at once announce once), the event is put, then the
 *   flag is set; a redelivery of a record whose event was never put sends it then. A failed task run is not
 *   announced: its task monitor notifies FailureTopicArn itself (with the reason and the log link).
 * - An event that is neither a readable destination record nor a readable task run goes to the dead-letter queue with the reason and is not
 *   retried (it would fail the same way). Anything else that fails (DynamoDB, EventBridge) is thrown: Lambda
 *   retries, then the function's own dead-letter queue (the same queue) keeps the event with the error.
 * Nothing of the payload or the result is logged or stored.
 */

import { CloudCronError } from '../common/errors';
import { announce, type Bus } from '../common/runs/bus';
import { alertEntry, failedAlert } from '../common/runs/events';
import type { RunItem } from '../common/runs/ledger';
import {
  DESTINATION_SOURCE,
  type RecorderSettings,
  readDestinationEvent,
  runItemFromRecord,
  UnreadableRecordError,
} from '../common/runs/records';
import type { LedgerStore } from '../common/runs/store';
import { readTaskRunEvent, runItemFromTaskRun, TASK_RUN_SOURCE } from '../common/runs/task-runs';

/** Thrown when another delivery of the same record is announcing its failure: the retry checks it got out. */
export class NotificationPendingError extends CloudCronError {
  override name = 'NotificationPendingError';
}

export type DeadLetter = { send(body: string): Promise<void> };
export type Log = {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
};

export type RecorderDeps = {
  store: LedgerStore;
  bus: Bus;
  busName: string;
  deadLetter: DeadLetter;
  settings: RecorderSettings;
  now: () => Date;
  log: Log;
};

export type RecorderOutcome =
  | { outcome: 'recorded' | 'duplicate'; job: string; requestId: string; status: RunItem['status']; notified: boolean }
  | { outcome: 'dead-lettered'; reason: string };

/** SQS takes 256 KiB per message; an oversized event is kept in part, with its size. */
const MAX_KEPT_EVENT_CHARS = 200_000;

export function deadLetterBody(reason: string, event: unknown, receivedAt: Date): string {
  let text: string;
  try {
    text = JSON.stringify(event) ?? String(event);
  } catch {
    text = String(event);
  }
  const body: Record<string, unknown> = { reason, receivedAt: receivedAt.toISOString() };
  if (text.length > MAX_KEPT_EVENT_CHARS) {
    body.eventChars = text.length;
    body.eventStart = text.slice(0, MAX_KEPT_EVENT_CHARS);
  } else {
    try {
      body.event = JSON.parse(text);
    } catch {
      body.eventText = text;
    }
  }
  return JSON.stringify(body);
}

/** The ledger item an event from the bus stands for; UnreadableRecordError names what is wrong with it. */
export function runItemOf(event: unknown, settings: RecorderSettings, now: Date): RunItem {
  const source = event && typeof event === 'object' ? (event as { source?: unknown }).source : undefined;
  if (source === TASK_RUN_SOURCE) return runItemFromTaskRun(readTaskRunEvent(event), settings, now);
  if (source === DESTINATION_SOURCE || source === undefined)
    return runItemFromRecord(readDestinationEvent(event), settings, now);
  throw new UnreadableRecordError(
    `source is ${JSON.stringify(source)}: expected "${DESTINATION_SOURCE}" (a Lambda destination record) or "${TASK_RUN_SOURCE}" (a Cloud Cron task run)`,
  );
}

export function createRecorder(deps: RecorderDeps): (event: unknown) => Promise<RecorderOutcome> {
  const { store, bus, busName, deadLetter, settings, now, log } = deps;
  return async (event) => {
    let item: RunItem;
    try {
      item = runItemOf(event, settings, now());
    } catch (e) {
      if (!(e instanceof UnreadableRecordError)) throw e;
      await deadLetter.send(deadLetterBody(e.message, event, now()));
      log.warn('unreadable event sent to the dead-letter queue', { reason: e.message });
      return { outcome: 'dead-lettered', reason: e.message };
    }
    const put = await store.putRun(item);
    const stored = put.created ? item : (put.existing ?? item);
    let notified = stored.notified !== false;
    if (!notified) {
      const done = await announce([stored], {
        store,
        bus,
        now: now(),
        entry: (r) => alertEntry(failedAlert(r), busName),
      });
      // Another delivery of this record holds the claim: fail, so Lambda retries and makes sure it was announced.
      if (done.length === 0)
        throw new NotificationPendingError(
          `the failure of ${stored.job} request ${stored.requestId} is being announced by another delivery`,
        );
      notified = true;
    }
    const outcome = put.created ? 'recorded' : 'duplicate';
    log.info(put.created ? 'run recorded' : 'run already recorded', {
      job: item.job,
      requestId: item.requestId,
      status: stored.status,
      attempts: stored.attempts,
      scheduledTime: stored.scheduledTime,
    });
    return { outcome, job: item.job, requestId: item.requestId, status: stored.status, notified };
  };
}
