/**
 * The job as an ECS task: the same handler, with the event read from the environment the Scheduler's task override
 * sets (contract.ts TASK_VARIABLES), and the outcome as the container's exit code, which is how ECS and the
 * scheduled task's monitor tell a run's end: 0 when the run succeeded (endpoints that are down are results, not
 * errors), 1 when it failed (an invalid payload, a result that could not be published).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { TASK_VARIABLES } from './contract';
import { InvalidEventError } from './errors';
import type { JobHandler } from './job';

export type TaskRunDependencies = {
  env: Record<string, string | undefined>;
  handler: JobHandler;
  logger: Pick<Logger, 'info' | 'error'>;
};

export const EXIT_SUCCEEDED = 0;
export const EXIT_FAILED = 1;

function readPayload(env: Record<string, string | undefined>): unknown {
  const raw = env[TASK_VARIABLES.payload];
  if (raw === undefined || raw.trim() === '') {
    throw new InvalidEventError(
      `environment variable ${TASK_VARIABLES.payload} is not set: run the job through its schedule, or set it to the JSON event`,
    );
  }
  try {
    return JSON.parse(raw);
  } catch (e) {
    throw new InvalidEventError(`${TASK_VARIABLES.payload} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
}

/** Runs the job once and returns the exit code for the container. */
export async function runAsTask({ env, handler, logger }: TaskRunDependencies): Promise<number> {
  // The same id on every delivery of one slot, so a FIFO topic de-duplicates a retried run's messages.
  const slot = env[TASK_VARIABLES.scheduledTime];
  const runId =
    (slot && !slot.startsWith('<') ? slot : undefined) ?? env[TASK_VARIABLES.executionId] ?? new Date().toISOString();
  try {
    const result = await handler(readPayload(env), { awsRequestId: runId.replace(/[^\w.-]/g, '-') } as Context);
    logger.info('task run finished', { severity: result.severity, counts: result.counts });
    return EXIT_SUCCEEDED;
  } catch (e) {
    logger.error('task run failed', { error: e as Error });
    return EXIT_FAILED;
  }
}
