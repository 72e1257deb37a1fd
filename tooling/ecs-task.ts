/**
 * A scheduled task's CloudFormation resources, as the ECS API receives them: the processed template's
 * AWS::ECS::TaskDefinition (resolved) as RegisterTaskDefinition input, and the Scheduler target's EcsParameters
 * and Input as the RunTask call the Scheduler makes. Used by the moto tests and `npm start -- --task`.
 */
import type { RegisterTaskDefinitionCommandInput, RunTaskCommandInput } from '@aws-sdk/client-ecs';
import type { Template } from './cfn-yaml';
import { type ResolveContext, resolver } from './template-env';

type Json = Record<string, unknown>;

/** CloudFormation's PascalCase property names to the ECS API's camelCase; the keys inside maps (log Options) stay. */
function camel(value: unknown, keepKeys = false): unknown {
  if (Array.isArray(value)) return value.map((v) => camel(v));
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Json).map(([k, v]) => [
      keepKeys ? k : k.charAt(0).toLowerCase() + k.slice(1),
      camel(v, k === 'Options' || k === 'DockerLabels'),
    ]),
  );
}

/** RegisterTaskDefinition input of the template's task definition, with every value resolved. */
export function taskDefinitionInput(
  template: Template,
  ctx: ResolveContext,
  logicalId = 'TaskDefinition',
): RegisterTaskDefinitionCommandInput {
  const { value } = resolver(template, ctx);
  return camel(value(template.Resources[logicalId].Properties)) as RegisterTaskDefinitionCommandInput;
}

/** The RunTask call the Scheduler makes for the schedule's ECS target: EcsParameters, and Input as overrides. */
export function scheduledRunTask(template: Template, ctx: ResolveContext, logicalId = 'Schedule'): RunTaskCommandInput {
  const { value } = resolver(template, ctx);
  const target = (value(template.Resources[logicalId].Properties) as { Target: Json }).Target;
  const ecs = target.EcsParameters as Json;
  const net = (ecs.NetworkConfiguration as { AwsvpcConfiguration: Json }).AwsvpcConfiguration;
  return {
    cluster: String(target.Arn),
    taskDefinition: String(ecs.TaskDefinitionArn),
    count: Number(ecs.TaskCount ?? 1),
    ...(ecs.LaunchType ? { launchType: ecs.LaunchType as 'FARGATE' } : {}),
    ...(ecs.CapacityProviderStrategy
      ? {
          capacityProviderStrategy: camel(
            ecs.CapacityProviderStrategy,
          ) as RunTaskCommandInput['capacityProviderStrategy'],
        }
      : {}),
    ...(ecs.PlatformVersion ? { platformVersion: String(ecs.PlatformVersion) } : {}),
    networkConfiguration: {
      awsvpcConfiguration: {
        subnets: net.Subnets as string[],
        securityGroups: net.SecurityGroups as string[],
        assignPublicIp: net.AssignPublicIp as 'ENABLED' | 'DISABLED',
      },
    },
    // The ECS target reads Input as the task override document (boto/boto3#4370).
    overrides: JSON.parse(String(target.Input)),
  };
}
