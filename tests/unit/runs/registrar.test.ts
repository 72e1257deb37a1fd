/**
 * The registrar registers a job only from what is deployed, only for the stack that owns the function, and always
 * answers CloudFormation (with a Reason that says what to fix).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import type { CfnResponse } from '../../../functions/common/cfn-response';
import { answerCustomResource } from '../../../functions/common/custom-resource';
import { createRegistrar, type Facts, type ScheduleFacts } from '../../../functions/runs-registrar/registrar';
import { EVENTS } from '../../../tooling/paths';
import { createMemoryStore } from '../../../tooling/simulator/memory-store';

const BUS = 'arn:aws:events:us-east-1:123456789012:event-bus/cloud-cron-runs';
/** The sample events carry a ResponseURL of CloudFormation's us-east-1 response bucket. */
const POLICY = { region: 'us-east-1' };
const create = JSON.parse(
  readFileSync(join(EVENTS, 'runs-registration-create.json'), 'utf8'),
) as CloudFormationCustomResourceEvent;
const STACK = create.StackId;
const FN = 'arn:aws:lambda:us-east-1:123456789012:function:nightly-report';
const MODIFIED = new Date('2030-01-05T10:00:00Z');

function setup(
  over: { tags?: Record<string, string>; onSuccess?: string; schedule?: Partial<ScheduleFacts> | null } = {},
) {
  const store = createMemoryStore();
  let now = new Date('2030-01-05T10:00:05Z');
  const state = { ...over };
  const facts: Facts = {
    fn: async (name) =>
      name === 'nightly-report'
        ? { functionArn: FN, timeoutSeconds: 120, tags: state.tags ?? { 'aws:cloudformation:stack-id': STACK } }
        : undefined,
    invokeConfig: async () => ({ maximumRetryAttempts: 1, onSuccess: state.onSuccess ?? BUS, onFailure: BUS }),
    schedule: async () =>
      state.schedule === null
        ? undefined
        : {
            targetArn: FN,
            expression: 'cron(0 8 ? * MON-FRI *)',
            timezone: 'Europe/Paris',
            state: 'ENABLED',
            flexibleWindowMinutes: 15,
            lastModified: MODIFIED,
            ...state.schedule,
          },
  };
  const registrar = createRegistrar({ store, facts, busArn: BUS, now: () => now });
  const sent: CfnResponse[] = [];
  const answer = (event: CloudFormationCustomResourceEvent) =>
    answerCustomResource(event, registrar, async (_url, r) => void sent.push(r), POLICY);
  return { store, answer, sent, state, tick: (ms: number) => (now = new Date(now.getTime() + ms)) };
}

test('Create registers the job with what Lambda and the Scheduler say, and answers SUCCESS', async () => {
  const { store, answer } = setup();
  const r = await answer(create);
  expect(r).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'nightly-report', Data: { Job: 'nightly-report' } });
  expect(await store.getRegistration('nightly-report')).toMatchObject({
    job: 'nightly-report',
    functionArn: FN,
    stackName: 'nightly-report',
    expression: 'cron(0 8 ? * MON-FRI *)',
    timezone: 'Europe/Paris',
    flexibleWindowMinutes: 15,
    timeoutSeconds: 120,
    maximumRetryAttempts: 1,
    missedRunGraceMinutes: 5,
    scheduleContext: true,
    since: '2030-01-05T10:00:05.000Z',
  });
});

test('an Update that changes nothing keeps `since`; a schedule change restarts it and re-anchors rate()', async () => {
  const { store, answer, state, tick } = setup({ schedule: { expression: 'rate(15 minutes)' } });
  await answer(create);
  tick(3_600_000);
  const update = {
    ...create,
    RequestType: 'Update',
    PhysicalResourceId: 'nightly-report',
    OldResourceProperties: create.ResourceProperties,
  } as CloudFormationCustomResourceEvent;
  await answer(update);
  expect(await store.getRegistration('nightly-report')).toMatchObject({
    since: '2030-01-05T10:00:05.000Z',
    rateAnchor: MODIFIED.toISOString(),
  });
  state.schedule = { expression: 'rate(30 minutes)', lastModified: new Date('2030-01-05T11:00:00Z') };
  await answer(update);
  expect(await store.getRegistration('nightly-report')).toMatchObject({
    expression: 'rate(30 minutes)',
    since: '2030-01-05T11:00:05.000Z',
    rateAnchor: '2030-01-05T11:00:00.000Z',
  });
});

test.each([
  [
    'a function of another stack',
    { tags: { 'aws:cloudformation:stack-id': 'arn:aws:cloudformation:us-east-1:123456789012:stack/other/1' } },
    /belongs to stack other, not to nightly-report/,
  ],
  ['a function of no stack', { tags: {} }, /belongs to no CloudFormation stack/],
  [
    'destinations elsewhere',
    { onSuccess: 'arn:aws:sqs:us-east-1:123456789012:q' },
    /does not send both .* set RunsEventBusArn/,
  ],
  ['a schedule that is gone', { schedule: null }, /schedule .* does not exist/],
  [
    'a schedule of another function',
    { schedule: { targetArn: 'arn:aws:lambda:us-east-1:123456789012:function:x' } },
    /targets .*function:x, not function nightly-report/,
  ],
  [
    'an expression the engine refuses',
    { schedule: { expression: 'cron(0 8 * * MON *)' } },
    /day-of-month and day-of-week/,
  ],
])('refuses %s, answering FAILED with the reason', async (_name, over, reason) => {
  const { store, answer } = setup(over as never);
  const r = await answer(create);
  expect(r.Status).toBe('FAILED');
  expect(r.Reason).toMatch(reason);
  expect(r.PhysicalResourceId).toMatch(/^cloud-cron-failed-RunsRegistration-/);
  expect(await store.getRegistration('nightly-report')).toBeUndefined();
});

test('bad properties are refused by name', async () => {
  const { answer } = setup();
  for (const [props, reason] of [
    [{ FunctionName: '' }, /property FunctionName is required/],
    [
      { ScheduleArn: 'arn:aws:events:us-east-1:1:rule/x' },
      /ScheduleArn .* is not an EventBridge Scheduler schedule ARN/,
    ],
    [{ MissedRunGraceMinutes: '-3' }, /MissedRunGraceMinutes "-3"/],
    [{ ScheduleContext: 'yes' }, /ScheduleContext "yes"/],
  ] as const) {
    const r = await answer({ ...create, ResourceProperties: { ...create.ResourceProperties, ...props } });
    expect([r.Status, r.Reason]).toEqual(['FAILED', expect.stringMatching(reason)]);
  }
});

test('a job registered by one stack cannot be taken over by another', async () => {
  const { answer, state } = setup();
  await answer(create);
  const other = 'arn:aws:cloudformation:us-east-1:123456789012:stack/thief/9';
  state.tags = { 'aws:cloudformation:stack-id': other };
  const r = await answer({ ...create, StackId: other });
  expect(r.Reason).toMatch(/already registered by stack nightly-report/);
});

test('Delete unregisters only its own job, and answers SUCCESS even when there is nothing to delete', async () => {
  const { store, answer } = setup();
  await answer(create);
  const del = {
    ...create,
    RequestType: 'Delete',
    PhysicalResourceId: 'nightly-report',
  } as CloudFormationCustomResourceEvent;
  expect(
    (await answer({ ...del, StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/other/1' })).Status,
  ).toBe('SUCCESS');
  expect(await store.getRegistration('nightly-report')).toBeDefined();
  expect((await answer(del)).Status).toBe('SUCCESS');
  expect(await store.getRegistration('nightly-report')).toBeUndefined();
  expect((await answer(del)).Status).toBe('SUCCESS');
  const rollback = {
    ...del,
    PhysicalResourceId: 'cloud-cron-failed-RunsRegistration-1f2e3d4c',
  } as CloudFormationCustomResourceEvent;
  expect((await answer(rollback)).Status).toBe('SUCCESS');
});

test('an unexpected error still answers CloudFormation, as an internal error', async () => {
  const sent: CfnResponse[] = [];
  const r = await answerCustomResource(
    create,
    async () => {
      throw new TypeError('boom');
    },
    async (_u, body) => void sent.push(body),
    POLICY,
  );
  expect(r).toMatchObject({ Status: 'FAILED', Reason: "internal error in RunsRegistration's provider: boom" });
  expect(sent).toEqual([r]);
});
