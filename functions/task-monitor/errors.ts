/**
 * Named errors of the task monitor. Each class names itself: bundles are minified, and the name is what Lambda
 * reports as the errorType and what the dead-letter queue keeps.
 */
import { CloudCronError } from '../common/errors';

/** The function was invoked with an event it does not handle (neither an ECS task state change nor a reaper tick). */
export class UnsupportedEventError extends CloudCronError {
  override name = 'UnsupportedEventError';
}

/** ECS refused a call the monitor needs (ListTasks, DescribeTasks, StopTask). */
export class EcsCallError extends CloudCronError {
  override name = 'EcsCallError';
}

/** The failure notice could not be published to FailureTopicArn. */
export class NotifyError extends CloudCronError {
  override name = 'NotifyError';
}

/** The reaper could not stop every task past its timeout; the causes say which. */
export class ReaperError extends CloudCronError {
  override name = 'ReaperError';
}
