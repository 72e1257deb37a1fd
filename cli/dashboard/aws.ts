/**
 * The dashboard on AWS: its sources found the way `cloud-cron status` and `cloud-cron jobs` find them (the Runs app's
 * stack or table, the Jobs app's stack or table), and its actions as the CLI and the Jobs API perform them. The AWS
 * SDK reads credentials, region and AWS_ENDPOINT_URL from the environment.
 */

import { randomUUID } from 'node:crypto';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { manualInput } from '../../functions/common/jobs/dispatch-input';
import { createJobsStore } from '../../functions/common/jobs/store';
import { createLedgerStore } from '../../functions/common/runs/store';
import { ledgerTable } from '../ledger';
import { manualEvent } from '../run';
import type { RegistrySource, RunsSource, Sources } from './data';
import type { Actions } from './server';

export const DEFAULT_JOBS_STACK = 'cloud-cron-jobs';

const sdk = { maxAttempts: 4 };

export type SourceOptions = {
  'runs-stack'?: string;
  'runs-table'?: string;
  'jobs-stack'?: string;
  'jobs-table'?: string;
};

async function runsSource(o: SourceOptions, ddb: DynamoDBClient): Promise<RunsSource> {
  try {
    const table = await ledgerTable(o);
    return { store: createLedgerStore(ddb, table), name: `ledger ${table}` };
  } catch (e) {
    return { unavailable: (e as Error).message };
  }
}

async function jobsTable(o: SourceOptions): Promise<string> {
  if (o['jobs-table']) return o['jobs-table'];
  const stack = o['jobs-stack'] ?? DEFAULT_JOBS_STACK;
  let outputs: { OutputKey?: string; OutputValue?: string }[] | undefined;
  try {
    outputs = (await new CloudFormationClient(sdk).send(new DescribeStacksCommand({ StackName: stack }))).Stacks?.[0]
      ?.Outputs;
  } catch (e) {
    throw new Error(
      `cannot read the Jobs app's stack ${stack} (${(e as Error).message}): deploy template-jobs.yaml as ${stack}, or pass --jobs-stack or --jobs-table`,
    );
  }
  const table = outputs?.find((x) => x.OutputKey === 'JobsTableName')?.OutputValue;
  if (!table) throw new Error(`stack ${stack} has no JobsTableName output: is it the Jobs app (template-jobs.yaml)?`);
  return table;
}

async function registrySource(o: SourceOptions, ddb: DynamoDBClient): Promise<RegistrySource> {
  try {
    const table = await jobsTable(o);
    const store = createJobsStore(ddb, table);
    const config = await store.getConfig();
    return { store, ...(config ? { config } : {}), name: `jobs table ${table}` };
  } catch (e) {
    return { unavailable: (e as Error).message };
  }
}

/** Both sources; one that cannot be found is reported on the page (and by the command) with what to fix. */
export async function openSources(o: SourceOptions): Promise<Sources> {
  const ddb = new DynamoDBClient(sdk);
  const [runs, registry] = await Promise.all([runsSource(o, ddb), registrySource(o, ddb)]);
  return { runs, registry };
}

/** Run now as `cloud-cron run` and the Jobs API do it: an asynchronous invocation (InvocationType Event). */
export function awsActions(sources: Sources): Actions {
  const lambda = new LambdaClient(sdk);
  const scheduler = new SchedulerClient(sdk);
  const invoke = async (functionName: string, payload: string) => {
    const r = await lambda.send(
      new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: Buffer.from(payload) }),
    );
    if (r.StatusCode !== 202) throw new Error(`Lambda answered ${r.StatusCode}, expected 202 (queued)`);
    return r.$metadata.requestId ?? '';
  };
  return {
    async runStackJob(registration, now) {
      // A scheduled task's registration has no function: the dashboard does not start ECS tasks (yet).
      if (!registration.functionArn)
        throw new Error(`${registration.job} is a scheduled task: start it with cloud-cron run ${registration.job}`);
      const event = await manualEvent(registration, undefined, scheduler, now);
      return { requestId: await invoke(registration.functionArn, event) };
    },
    async runRegistryJob(id, now) {
      const registry = sources.registry;
      if ('unavailable' in registry || !registry.config)
        throw new Error("the Jobs app's configuration record is missing: is its stack fully created?");
      const input = manualInput(id, `manual-${randomUUID()}`, now);
      await invoke(registry.config.dispatcherArn, JSON.stringify(input));
      return { executionId: input.executionId };
    },
  };
}
