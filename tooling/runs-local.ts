/**
 * The Runs app and a wired job's share of it, set up on a local emulator (moto) the way their templates declare
 * them: the ledger table (keys, index, TTL from template-runs.yaml), the bus, the recorder's rules with the
 * template's own patterns, the dead-letter queue, and a job stack's alert rule (the pattern of the RunsAlertRule
 * of template-scheduled-lambda.yaml, or of template-scheduled-task.yaml). moto runs no Lambda and cannot target SNS from a rule, so each
 * rule targets an SQS queue here, and `drain`/`relayAlerts` hand on what the real target would have received.
 * Used by `npm start`, the integration tests and the benchmarks, so they never drift from the templates.
 */

import { join } from 'node:path';
import {
  type AttributeDefinition,
  CreateTableCommand,
  type DynamoDBClient,
  type KeySchemaElement,
  type LocalSecondaryIndex,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateEventBusCommand,
  type EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DestinationEvent } from '../functions/common/runs/records';
import { loadTemplate, type Template } from './cfn-yaml';
import { ROOT } from './paths';
import { resolver } from './template-env';

export type Clients = { ddb: DynamoDBClient; events: EventBridgeClient; sqs: SQSClient; sns?: SNSClient };

export const runsTemplate = (): Template => loadTemplate(join(ROOT, 'template-runs.yaml'));
export const jobTemplate = (): Template => loadTemplate(join(ROOT, 'template-scheduled-lambda.yaml'));
export const taskTemplate = (): Template => loadTemplate(join(ROOT, 'template-scheduled-task.yaml'));

type TableProperties = {
  KeySchema: KeySchemaElement[];
  AttributeDefinitions: AttributeDefinition[];
  LocalSecondaryIndexes?: LocalSecondaryIndex[];
  TimeToLiveSpecification?: { AttributeName: string; Enabled: boolean };
};

/** Creates the runs ledger table as template-runs.yaml declares RunsTable. */
export async function createRunsTable(ddb: DynamoDBClient, tableName: string): Promise<string> {
  const props = runsTemplate().Resources.RunsTable.Properties as unknown as TableProperties;
  await ddb.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: props.KeySchema,
      AttributeDefinitions: props.AttributeDefinitions,
      LocalSecondaryIndexes: props.LocalSecondaryIndexes,
    }),
  );
  if (props.TimeToLiveSpecification) {
    await ddb.send(
      new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: props.TimeToLiveSpecification }),
    );
  }
  return tableName;
}

async function queue(sqs: SQSClient, name: string): Promise<{ url: string; arn: string }> {
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] })))
    .Attributes!.QueueArn!;
  return { url, arn };
}

/** Every message on a queue, parsed, until it stays empty; each one is deleted once read. */
export async function drain<T = unknown>(sqs: SQSClient, queueUrl: string): Promise<T[]> {
  const out: T[] = [];
  for (;;) {
    const r = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    const msgs = r.Messages ?? [];
    if (msgs.length === 0) return out;
    for (const m of msgs) out.push(JSON.parse(m.Body ?? 'null') as T);
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: msgs.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  }
}

export type LocalRuns = {
  tableName: string;
  busName: string;
  busArn: string;
  /** Where the recorder's rule delivers (the recorder function's place). */
  recorderQueueUrl: string;
  deadLetterQueueUrl: string;
  /** The environment template-runs.yaml gives a function (RecorderFunction, WatchdogFunction, RegistrarFunction). */
  env(logicalId: string, extra?: Record<string, string>): Record<string, string>;
};

export async function deployRunsLocally(
  clients: Clients,
  options: { prefix: string; busName?: string },
): Promise<LocalRuns> {
  const template = runsTemplate();
  const tableName = await createRunsTable(clients.ddb, `${options.prefix}-runs`);
  const busName = options.busName ?? `${options.prefix}-runs-bus`;
  const busArn = (await clients.events.send(new CreateEventBusCommand({ Name: busName }))).EventBusArn!;
  const dlq = await queue(clients.sqs, `${options.prefix}-runs-dlq`);
  const intake = await queue(clients.sqs, `${options.prefix}-runs-recorder`);
  // Every EventBridgeRule event of the recorder (Lambda's destination records, the task monitors' task runs),
  // with the template's own pattern, delivering to the recorder's place.
  const recorderEvents = (
    template.Resources.RecorderFunction.Properties as {
      Events: Record<string, { Type: string; Properties: { Pattern: unknown } }>;
    }
  ).Events;
  for (const [id, event] of Object.entries(recorderEvents)) {
    if (event.Type !== 'EventBridgeRule') continue;
    const rule = `${options.prefix}-recorder-${id}`.slice(0, 64);
    await clients.events.send(
      new PutRuleCommand({ Name: rule, EventBusName: busName, EventPattern: JSON.stringify(event.Properties.Pattern) }),
    );
    await clients.events.send(
      new PutTargetsCommand({ Rule: rule, EventBusName: busName, Targets: [{ Id: 'recorder', Arn: intake.arn }] }),
    );
  }
  return {
    tableName,
    busName,
    busArn,
    recorderQueueUrl: intake.url,
    deadLetterQueueUrl: dlq.url,
    env(logicalId, extra = {}) {
      const { value } = resolver(template, {
        parameters: { BusName: busName },
        resources: { RunsTable: tableName, RecorderDeadLetterQueue: dlq.url },
        attributes: { 'RunsBus.Name': busName, 'RunsBus.Arn': busArn },
      });
      const global = (template.Globals!.Function!.Environment as { Variables: Record<string, unknown> }).Variables;
      const own =
        (template.Resources[logicalId].Properties?.Environment as { Variables?: Record<string, unknown> })?.Variables ??
        {};
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries({ ...global, ...own })) env[k] = String(value(v));
      return { ...env, ...extra };
    },
  };
}

export type WiredJob = {
  /** Publishes every alert the job stack's rule matched to its FailureTopicArn, as the rule's SNS target does. */
  relayAlerts(): Promise<unknown[]>;
};

/**
 * A job stack's RunsAlertRule on the local bus: the template's pattern for `job`, targeting a queue; relayAlerts
 * publishes each matched event's detail (the target's InputPath) to `failureTopicArn`. For a scheduled task
 * (`runner: 'ecs'`), the pattern of template-scheduled-task.yaml for the stack `stackName` (its family is
 * cloud-cron-<stackName>).
 */
export async function wireJobLocally(
  clients: Clients,
  runs: LocalRuns,
  options: { job: string; failureTopicArn: string; prefix: string; runner?: 'lambda' | 'ecs'; stackName?: string },
): Promise<WiredJob> {
  const template = options.runner === 'ecs' ? taskTemplate() : jobTemplate();
  const rule = template.Resources.RunsAlertRule.Properties as {
    EventPattern: unknown;
    Targets: { InputPath: string }[];
  };
  const { value } = resolver(template, {
    resources: { JobFunction: options.job },
    parameters: { LambdaImageUri: 'x' },
    ...(options.stackName ? { stackName: options.stackName } : {}),
  });
  const pattern = value(rule.EventPattern);
  const relay = await queue(clients.sqs, `${options.prefix}-alerts-${options.job}`.slice(0, 80));
  const name = `${options.prefix}-alerts-${options.job}`.slice(0, 64);
  await clients.events.send(
    new PutRuleCommand({ Name: name, EventBusName: runs.busName, EventPattern: JSON.stringify(pattern) }),
  );
  await clients.events.send(
    new PutTargetsCommand({ Rule: name, EventBusName: runs.busName, Targets: [{ Id: 'relay', Arn: relay.arn }] }),
  );
  if (rule.Targets[0].InputPath !== '$.detail')
    throw new Error(`RunsAlertRule's InputPath changed to ${rule.Targets[0].InputPath}: update relayAlerts`);
  return {
    async relayAlerts() {
      const events = await drain<{ detail: unknown }>(clients.sqs, relay.url);
      for (const e of events) {
        if (!clients.sns) throw new Error('relayAlerts needs an SNS client');
        await clients.sns.send(
          new PublishCommand({ TopicArn: options.failureTopicArn, Message: JSON.stringify(e.detail) }),
        );
      }
      return events.map((e) => e.detail);
    },
  };
}

/** What Lambda does with a destination record: puts it on the bus named as the destination. */
export async function putDestinationRecord(
  events: EventBridgeClient,
  busArn: string,
  record: DestinationEvent,
): Promise<void> {
  const r = await events.send(
    new PutEventsCommand({
      Entries: [
        {
          Source: record.source,
          DetailType: record['detail-type'],
          Detail: JSON.stringify(record.detail),
          Resources: record.resources,
          EventBusName: busArn,
        },
      ],
    }),
  );
  if (r.FailedEntryCount) throw new Error(`PutEvents refused the record: ${JSON.stringify(r.Entries)}`);
}
