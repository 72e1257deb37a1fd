/**
 * Example Cloud Cron job: checks the HTTP(S) endpoints listed in the schedule's payload and publishes typed
 * results (contract.ts) to the topics the CloudCron macro hands it: a report to REPORTS on every run, an alert to
 * ALERTS when an endpoint is down or slow. Built into a container image by ../Dockerfile (CMD index.handler).
 * Topics, publishing and the job context come from the job-author library, @cloud-cron/job (packages/job).
 *
 * Failing endpoints are results, not errors: the run succeeds. It fails (so Lambda retries it, then keeps the event
 * in the dead-letter queue) only on an invalid event or when a result cannot be published.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { loadConfig } from './config';
import { createHandler } from './job';

export type { HealthCheckEvent, JobMessage, JobResult } from './contract';

const logger = new Logger({ serviceName: 'cloud-cron-example-job' });
/**
 * Read once, at init: a missing or malformed topic fails every run with a message saying what to set. The library
 * creates one SNS client per container (with timeouts; honours AWS_REGION and AWS_ENDPOINT_URL).
 */
const config = loadConfig();

export const handler = createHandler({ config, logger });
