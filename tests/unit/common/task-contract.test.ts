/**
 * The ECS target of a schedule, as the Scheduler turns it into RunTask (what `cloud-cron run` does for a task job),
 * and the payload swapped into a task override.
 */
import type { EcsParameters } from '@aws-sdk/client-scheduler';
import {
  runTaskOfTarget,
  TASK_ENV,
  taskOverride,
  taskOverrideInput,
  withPayload,
} from '../../../functions/common/task-contract';

const CLUSTER = 'arn:aws:ecs:us-east-1:123456789012:cluster/batch';
const TASK_DEFINITION = 'arn:aws:ecs:us-east-1:123456789012:task-definition/cloud-cron-nightly-export:3';

test('the EcsParameters of a Fargate target become the RunTask call, under the ECS API names', () => {
  const ecs: EcsParameters = {
    TaskDefinitionArn: TASK_DEFINITION,
    TaskCount: 1,
    LaunchType: 'FARGATE',
    PlatformVersion: 'LATEST',
    NetworkConfiguration: {
      awsvpcConfiguration: { Subnets: ['subnet-1'], SecurityGroups: ['sg-1'], AssignPublicIp: 'DISABLED' },
    },
  };
  const overrides = taskOverride('job', '{}');
  expect(runTaskOfTarget({ Arn: CLUSTER, EcsParameters: ecs }, overrides, 'cloud-cron/manual')).toEqual({
    cluster: CLUSTER,
    taskDefinition: TASK_DEFINITION,
    count: 1,
    launchType: 'FARGATE',
    platformVersion: 'LATEST',
    networkConfiguration: {
      awsvpcConfiguration: { subnets: ['subnet-1'], securityGroups: ['sg-1'], assignPublicIp: 'DISABLED' },
    },
    overrides,
    startedBy: 'cloud-cron/manual',
  });
});

test('Spot capacity, placement, tags and the other optional parameters are carried over', () => {
  const ecs: EcsParameters = {
    TaskDefinitionArn: TASK_DEFINITION,
    CapacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1, base: 0 }],
    Group: 'nightly',
    EnableECSManagedTags: true,
    EnableExecuteCommand: false,
    PlacementConstraints: [{ type: 'distinctInstance' }],
    PlacementStrategy: [{ type: 'spread', field: 'attribute:ecs.availability-zone' }],
    PropagateTags: 'TASK_DEFINITION',
    ReferenceId: 'ref-1',
    Tags: [{ key: 'team', value: 'data' }],
  };
  expect(runTaskOfTarget({ Arn: CLUSTER, EcsParameters: ecs }, undefined)).toEqual({
    cluster: CLUSTER,
    taskDefinition: TASK_DEFINITION,
    count: 1,
    overrides: undefined,
    capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1, base: 0 }],
    group: 'nightly',
    enableECSManagedTags: true,
    enableExecuteCommand: false,
    placementConstraints: [{ type: 'distinctInstance' }],
    placementStrategy: [{ type: 'spread', field: 'attribute:ecs.availability-zone' }],
    propagateTags: 'TASK_DEFINITION',
    referenceId: 'ref-1',
    tags: [{ key: 'team', value: 'data' }],
  });
});

test('a target that is not ECS is refused', () => {
  expect(() => runTaskOfTarget({ Arn: 'arn:aws:lambda:us-east-1:123456789012:function:f' }, undefined)).toThrow(
    /no ECS target/,
  );
});

test("withPayload replaces the container's payload and keeps the slot variables; adds the entry when missing", () => {
  const base = JSON.parse(taskOverrideInput('job', '{"export":"orders"}'));
  const swapped = withPayload(base, 'job', '{"export":"refunds"}');
  expect(swapped.containerOverrides[0].environment).toEqual([
    { name: TASK_ENV.payload, value: '{"export":"refunds"}' },
    ...base.containerOverrides[0].environment.slice(1),
  ]);
  // The original is left as it was.
  expect(base.containerOverrides[0].environment[0].value).toBe('{"export":"orders"}');
  expect(withPayload({ containerOverrides: [] }, 'job', '{}')).toEqual({
    containerOverrides: [{ name: 'job', environment: [{ name: TASK_ENV.payload, value: '{}' }] }],
  });
});
