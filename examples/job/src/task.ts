/**
 * The example job's entry point as an ECS Fargate task (template-scheduled-task.yaml): `node task.js`. Wiring only:
 * the same configuration (REPORTS / ALERTS) and handler as the Lambda entry point, the event from
 * CLOUD_CRON_PAYLOAD, the result as the exit code (task-run.ts).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { loadConfig } from './config';
import { createHandler } from './job';
import { runAsTask } from './task-run';

const logger = new Logger({ serviceName: 'cloud-cron-example-job' });

async function main(): Promise<number> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (e) {
    logger.error('cannot start', { error: e as Error });
    return 1;
  }
  const handler = createHandler({ config, logger });
  return runAsTask({ env: process.env, handler, logger });
}

main().then((code) => {
  process.exitCode = code;
});
