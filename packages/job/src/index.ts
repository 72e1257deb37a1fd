/**
 * @cloud-cron/job: what every Cloud Cron job author otherwise writes by hand.
 *
 * - `loadTopics`: the topics the CloudCron macro gave the function, typed, checked at init;
 *   `topics.ALERTS.publish(message, { type, severity, subject, attributes })` sets the attributes the channels'
 *   filter policies match on and refuses what SNS would refuse, before SNS does.
 * - `readEvent`: the payload and the job context (`ScheduleContext=true`: scheduled time, execution id, attempt).
 * - `runOnce` / `idempotencyKey`: one run per scheduled time, on a store you choose (`dynamoDbStore`, `memoryStore`).
 */
export {
  CONTEXT_KEY,
  type JobContext,
  type JobEvent,
  PAYLOAD_KEY,
  readEvent,
  readJobContext,
  type Trigger,
} from './context';
export { type DynamoDbStoreOptions, dynamoDbStore } from './dynamodb';
export {
  ConfigurationError,
  InvalidEventError,
  InvalidMessageError,
  JobError,
  MessageTooLargeError,
  PublishError,
  RunInProgressError,
} from './errors';
export {
  type AttributeValue,
  attributeNameProblem,
  MAX_ATTRIBUTES,
  MAX_MESSAGE_BYTES,
  MAX_SUBJECT_LENGTH,
  type MessageOptions,
  type PreparedMessage,
  prepareMessage,
  RESERVED_ATTRIBUTES,
  SEVERITIES,
  type Severity,
  snsSubject,
} from './message';
export {
  idempotencyKey,
  memoryStore,
  type RunOnceOptions,
  type RunOnceResult,
  type RunRecord,
  type RunStore,
  runOnce,
} from './once';
export {
  jobName,
  loadTopics,
  type PublishOptions,
  type PublishResult,
  type SnsSender,
  TOPIC_ARN,
  type Topic,
  type Topics,
  type TopicsOptions,
} from './topics';
