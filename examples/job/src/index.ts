/**
 * Example Cloud Cron job: checks the HTTP(S) endpoints listed in the schedule's payload and publishes typed
 * results (contract.ts) to the topics the CloudCron macro hands it: a report to REPORTS on every run, an alert to
 * ALERTS when an endpoint is down or slow. Built into a container image by ../Dockerfile (CMD index.handler).
 *
 * Failing endpoints are results, not errors: the run succeeds. It fails (so Lambda retries it, then keeps the event
 * in the dead-letter queue) only on an invalid event or when a result cannot be published.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { SNSClient } from '@aws-sdk/client-sns';
import { loadConfig } from './config';
import { createHandler } from './job';

export type { HealthCheckEvent, JobMessage, JobResult } from './contract';

const logger = new Logger({ serviceName: 'cloud-cron-example-job' });
/** Created once per container; honours AWS_REGION and AWS_ENDPOINT_URL (a local emulator). */
const sns = new SNSClient({});
/** Read once, at init: a missing or malformed topic fails every run with a message saying what to set. */
const config = loadConfig();

export const handler = createHandler({ config, sns, logger });
