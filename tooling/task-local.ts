/**
 * A scheduled task (template-scheduled-task.yaml) on moto, the way the stack would deploy it: the macro-processed
 * template's task definition registered in moto's ECS, a cluster, a Fargate network moto accepts, the task
 * monitor's idempotency table and its environment (what the template gives TaskMonitorFunction), and the RunTask
 * call the schedule's ECS target makes (its exact Input as the task override).
 *
 * moto runs no container and moves a task towards STOPPED each time it is read; here tasks stay RUNNING until
 * stopped (its state manager set to manual), and, since moto's DescribeTasks reports no createdAt, the ECS client
 * adds the creation times the caller chose. `stoppedEvent` turns a task moto reports into the `ECS Task State
 * Change` event ECS would put for it; `eventFor` fits a documented sample (events/task-state-*.json) to a real moto
 * task. Used by the task integration tests and `npm start -- --task`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateClusterCommand,
  DescribeTasksCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  type RunTaskCommandInput,
  type Task,
} from '@aws-sdk/client-ecs';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateScheduleCommand, type CreateScheduleCommandInput, SchedulerClient } from '@aws-sdk/client-scheduler';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import type { TaskStateChangeEvent } from '../functions/task-monitor/events';
import { readTemplate } from './cfn';
import type { Template } from './cfn-yaml';
import { scheduledRunTask, taskDefinitionInput } from './ecs-task';
import { createIdempotencyTable } from './idempotency-table';
import { macroOutputs } from './macro';
import type { Moto } from './moto';
import { createFargateNetwork } from './moto-network';
import { EVENTS } from './paths';
import { functionEnvironment, type ResolveContext, resolver } from './template-env';

export const TASK_ACCOUNT = '123456789012';

export type LocalTask = {
  stackName: string;
  processed: Template;
  ctx: ResolveContext;
  clusterArn: string;
  taskDefinitionArn: string;
  /** moto's ECS, with the creation times this helper gives its tasks. */
  ecs: ECSClient;
  /** The task monitor's environment as the template sets it, pointed at moto. */
  monitorEnv: Record<string, string>;
  /** The RunTask call the schedule's target makes (EcsParameters, Input as overrides). */
  scheduledRunTask(): RunTaskCommandInput;
  /** Starts a task as the schedule would (or with `input`), created `minutesAgo` minutes ago. */
  run(options?: { minutesAgo?: number; input?: RunTaskCommandInput }): Promise<Task>;
  /** The creation time of each task (moto reports none): set one for a task started elsewhere. */
  createdAt: Map<string, Date>;
  describe(taskArn: string): Promise<Task>;
  stoppedEvent(task: Task): TaskStateChangeEvent;
  eventFor(sampleName: string, task: Task): TaskStateChangeEvent;
};

/**
 * Deploys the task template's ECS side on moto. `parameters` are the stack's (ImageUri, TaskTimeoutMinutes ...);
 * the subnet, security group and cluster are made here unless given.
 */
export async function deployTaskLocally(
  moto: Moto,
  options: { stackName: string; parameters: Record<string, string>; clusterName?: string },
): Promise<LocalTask> {
  const { stackName } = options;
  // moto advances a task's lastStatus towards STOPPED each time it is read; a real task runs until it ends.
  await fetch(`${moto.endpoint}/moto-api/state-manager/set-transition`, {
    method: 'POST',
    body: JSON.stringify({ model_name: 'ecs::task', transition: { progression: 'manual', times: 1_000_000 } }),
  });
  const createdAt = new Map<string, Date>();
  const ecs = new ECSClient(moto.client);
  ecs.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const tasks = (result.output as { tasks?: Task[] }).tasks;
      for (const t of tasks ?? []) if (t.taskArn && createdAt.has(t.taskArn)) t.createdAt = createdAt.get(t.taskArn);
      return result;
    },
    { step: 'initialize', name: 'motoCreatedAt' },
  );
  const network = await createFargateNetwork(moto.endpoint);
  const clusterArn =
    options.parameters.ClusterArn ||
    (await ecs.send(new CreateClusterCommand({ clusterName: options.clusterName ?? `${stackName}-cluster` }))).cluster!
      .clusterArn!;
  const parameters = {
    SubnetIds: network.subnetId,
    SecurityGroupIds: network.securityGroupId,
    ...options.parameters,
    ClusterArn: clusterArn,
  };
  const [processed] = await macroOutputs(readTemplate('template-scheduled-task.yaml'), [parameters]);
  const table = await createIdempotencyTable(new DynamoDBClient(moto.client), `${stackName}-idempotency`, processed);
  const ctx: ResolveContext = {
    parameters,
    stackName,
    accountId: TASK_ACCOUNT,
    resources: { TaskLogGroup: `/aws/ecs/cloud-cron/${stackName}`, IdempotencyTable: table },
    attributes: {
      'TaskRole.Arn': `arn:aws:iam::${TASK_ACCOUNT}:role/${stackName}-TaskRole`,
      'ExecutionRole.Arn': `arn:aws:iam::${TASK_ACCOUNT}:role/${stackName}-ExecutionRole`,
      'ScheduleDeadLetterQueue.Arn': `arn:aws:sqs:us-east-1:${TASK_ACCOUNT}:${stackName}-schedule-dlq`,
      'SchedulerRole.Arn': `arn:aws:iam::${TASK_ACCOUNT}:role/${stackName}-SchedulerRole`,
    },
  };
  const definition = taskDefinitionInput(processed, ctx);
  // moto runs a Fargate task only when every container sets memory (ECS itself takes the task-level Memory).
  for (const c of definition.containerDefinitions ?? []) c.memory = Number(definition.memory);
  const taskDefinitionArn = (await ecs.send(new RegisterTaskDefinitionCommand(definition))).taskDefinition!
    .taskDefinitionArn!;
  ctx.resources = { ...ctx.resources, TaskDefinition: taskDefinitionArn };
  const monitorEnv = {
    ...moto.env,
    ...functionEnvironment(processed, 'TaskMonitorFunction', ctx),
    POWERTOOLS_LOG_LEVEL: 'WARN',
  };

  const describe = async (taskArn: string) =>
    (await ecs.send(new DescribeTasksCommand({ cluster: clusterArn, tasks: [taskArn] }))).tasks![0];

  return {
    stackName,
    processed,
    ctx,
    clusterArn,
    taskDefinitionArn,
    ecs,
    monitorEnv,
    scheduledRunTask: () => ({ ...scheduledRunTask(processed, ctx), taskDefinition: taskDefinitionArn }),
    async run({ minutesAgo = 0, input } = {}) {
      const call = input ?? { ...scheduledRunTask(processed, ctx), taskDefinition: taskDefinitionArn };
      const task = (await ecs.send(new RunTaskCommand(call))).tasks![0];
      createdAt.set(task.taskArn!, new Date(Date.now() - minutesAgo * 60_000));
      return task;
    },
    createdAt,
    describe,
    stoppedEvent(task) {
      const detail = JSON.parse(
        JSON.stringify({ ...task, createdAt: createdAt.get(task.taskArn!) ?? task.createdAt }),
      ) as TaskStateChangeEvent['detail'];
      return {
        version: '0',
        'detail-type': 'ECS Task State Change',
        source: 'aws.ecs',
        region: 'us-east-1',
        resources: [task.taskArn!],
        detail,
      };
    },
    eventFor(sampleName, task) {
      const e = JSON.parse(readFileSync(join(EVENTS, `task-state-${sampleName}.json`), 'utf8')) as TaskStateChangeEvent;
      e.resources = [task.taskArn!];
      e.detail = {
        ...e.detail,
        taskArn: task.taskArn!,
        clusterArn: task.clusterArn!,
        taskDefinitionArn: task.taskDefinitionArn!,
      };
      for (const c of e.detail.containers ?? []) c.taskArn = task.taskArn;
      return e;
    },
  };
}

type Json = Record<string, unknown>;

/**
 * The schedule's CreateSchedule input, from the processed template's Schedule resource. The Scheduler API spells
 * two of CloudFormation's names differently: NetworkConfiguration.awsvpcConfiguration and the capacity provider
 * strategy's lower-case fields.
 */
export function scheduleInputOf(local: LocalTask, name: string): CreateScheduleCommandInput {
  const { value } = resolver(local.processed, local.ctx);
  const p = value(local.processed.Resources.Schedule.Properties) as Json & { Target: Json };
  const ecs = { ...(p.Target.EcsParameters as Json) };
  const net = (ecs.NetworkConfiguration as { AwsvpcConfiguration?: Json } | undefined)?.AwsvpcConfiguration;
  if (net) ecs.NetworkConfiguration = { awsvpcConfiguration: net };
  if (Array.isArray(ecs.CapacityProviderStrategy)) {
    ecs.CapacityProviderStrategy = (ecs.CapacityProviderStrategy as Json[]).map((c) => ({
      capacityProvider: c.CapacityProvider,
      weight: c.Weight,
      base: c.Base,
    }));
  }
  const { Description: _d, ...rest } = p;
  return { ...rest, Name: name, Target: { ...p.Target, EcsParameters: ecs } } as unknown as CreateScheduleCommandInput;
}

export type DeployedTaskStack = {
  stackId: string;
  monitorFunctionName: string;
  scheduleArn: string;
  /** The RunsRegistration custom resource request CloudFormation would send, with this stack's properties. */
  registrationRequest(requestType: 'Create' | 'Delete', responseUrl: string): CloudFormationCustomResourceEvent;
};

/**
 * The rest of the stack the Runs app's registrar reads, on moto: the task monitor function (its environment as the
 * template sets it, tagged with the stack's id as CloudFormation tags it) and the schedule (the template's ECS
 * target). moto cannot run them; the registrar only reads them.
 */
export async function deployTaskStack(moto: Moto, local: LocalTask): Promise<DeployedTaskStack> {
  const stackId = `arn:aws:cloudformation:us-east-1:${TASK_ACCOUNT}:stack/${local.stackName}/5e6f7a8b-9c0d-11ee-8c99-0242ac120002`;
  const monitorFunctionName = `${local.stackName}-TaskMonitorFunction-4D5E6F`.slice(0, 64);
  const role = (
    await new IAMClient(moto.client).send(
      new CreateRoleCommand({ RoleName: `${local.stackName}-TaskMonitorRole`, AssumeRolePolicyDocument: '{}' }),
    )
  ).Role!.Arn!;
  await new LambdaClient(moto.client).send(
    new CreateFunctionCommand({
      FunctionName: monitorFunctionName,
      PackageType: 'Image',
      Code: { ImageUri: `${TASK_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/task-monitor:latest` },
      Role: role,
      Environment: { Variables: functionEnvironment(local.processed, 'TaskMonitorFunction', local.ctx) },
      Tags: { 'aws:cloudformation:stack-id': stackId },
    }),
  );
  const scheduleName = `${local.stackName}-Schedule-7G8H9I`.slice(0, 64);
  const scheduleArn = (
    await new SchedulerClient(moto.client).send(new CreateScheduleCommand(scheduleInputOf(local, scheduleName)))
  ).ScheduleArn!;
  return {
    stackId,
    monitorFunctionName,
    scheduleArn,
    registrationRequest(requestType, responseUrl) {
      const { value } = resolver(local.processed, {
        ...local.ctx,
        resources: { ...local.ctx.resources, TaskMonitorFunction: monitorFunctionName },
        attributes: { ...local.ctx.attributes, 'Schedule.Arn': scheduleArn },
      });
      const properties = value(local.processed.Resources.RunsRegistration.Properties) as Json;
      // CloudFormation hands a custom resource every property as a string.
      const strings = Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, String(v)]));
      return {
        RequestType: requestType,
        ServiceToken: strings.ServiceToken,
        ResponseURL: responseUrl,
        StackId: stackId,
        RequestId: `${requestType.toLowerCase()}-1f2e3d4c-5b6a-4978-8d9e-0f1a2b3c4d5e`,
        LogicalResourceId: 'RunsRegistration',
        ResourceType: 'AWS::CloudFormation::CustomResource',
        ResourceProperties: strings,
        ...(requestType === 'Delete' ? { PhysicalResourceId: `cloud-cron-${local.stackName}` } : {}),
      } as CloudFormationCustomResourceEvent;
    },
  };
}
