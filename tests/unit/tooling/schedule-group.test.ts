/**
 * The schedule-group firing simulator (tooling/simulator/schedule-group.ts), the piece moto leaves out, with the
 * Scheduler API mocked (aws-sdk-client-mock): fire times as Scheduler has them (zone and DST, rate counted from its
 * creation, DISABLED), the context attributes filled in, repeated deliveries with the next attempt number, a
 * schedule deleted meanwhile not fired, a one-time schedule deleted after its fire; and the event filter reader of
 * tooling/jobs-local.ts.
 */
import {
  DeleteScheduleCommand,
  GetScheduleCommand,
  type GetScheduleCommandOutput,
  ListSchedulesCommand,
  ResourceNotFoundException,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { matchesFilter, streamFilters } from '../../../tooling/jobs-local';
import { fireScheduleGroup } from '../../../tooling/simulator/schedule-group';

const scheduler = mockClient(SchedulerClient);
const client = new SchedulerClient({ region: 'us-east-1' });
const INPUT =
  '{"job":"j","t":"<aws.scheduler.scheduled-time>","e":"<aws.scheduler.execution-id>","a":"<aws.scheduler.attempt-number>","s":"<aws.scheduler.schedule-arn>"}';

function schedules(all: Record<string, Partial<GetScheduleCommandOutput>>) {
  scheduler.reset();
  scheduler.on(ListSchedulesCommand).resolves({ Schedules: Object.keys(all).map((Name) => ({ Name })) });
  scheduler.on(GetScheduleCommand).callsFake((input: { Name: string }) => {
    const s = all[input.Name];
    if (!s) throw new ResourceNotFoundException({ message: 'gone', Message: 'gone', $metadata: {} });
    return {
      Name: input.Name,
      Arn: `arn:aws:scheduler:us-east-1:123456789012:schedule/g/${input.Name}`,
      State: 'ENABLED',
      Target: { Arn: 'arn:aws:lambda:us-east-1:123456789012:function:d', RoleArn: 'r', Input: INPUT },
      CreationDate: new Date('2030-01-01T00:00:00Z'),
      ...s,
    };
  });
  scheduler.on(DeleteScheduleCommand).callsFake((input: { Name: string }) => {
    delete all[input.Name];
    return {};
  });
}

test('fires each schedule at its times, in order across the group, with the context attributes filled in', async () => {
  schedules({
    paris: { ScheduleExpression: 'cron(30 2 * * ? *)', ScheduleExpressionTimezone: 'Europe/Paris' },
    every: { ScheduleExpression: 'rate(12 hours)', CreationDate: new Date('2030-03-30T06:00:00Z') },
    off: { ScheduleExpression: 'rate(1 hour)', State: 'DISABLED' },
  });
  const events: unknown[] = [];
  const fires = await fireScheduleGroup(client, 'g', {
    from: new Date('2030-03-30T00:00:00Z'),
    until: new Date('2030-04-01T00:00:00Z'),
    target: (e) => void events.push(e),
  });
  // 02:30 Paris does not exist on 31 March 2030 (clocks go forward): that day has no fire, as Scheduler does.
  expect(fires.map((f) => [f.schedule, f.scheduledTime])).toEqual([
    ['paris', '2030-03-30T01:30:00Z'],
    ['every', '2030-03-30T06:00:00Z'],
    ['every', '2030-03-30T18:00:00Z'],
    ['every', '2030-03-31T06:00:00Z'],
    ['every', '2030-03-31T18:00:00Z'],
  ]);
  expect(events[0]).toEqual({
    job: 'j',
    t: '2030-03-30T01:30:00Z',
    e: fires[0].executionId,
    a: '1',
    s: 'arn:aws:scheduler:us-east-1:123456789012:schedule/g/paris',
  });
});

test('repeated deliveries keep the slot and execution id and count attempts; errors are kept, not thrown', async () => {
  schedules({ j: { ScheduleExpression: 'at(2030-01-01T00:05:00)', ActionAfterCompletion: 'DELETE' } });
  let n = 0;
  const fires = await fireScheduleGroup(client, 'g', {
    from: new Date('2030-01-01T00:00:00Z'),
    until: new Date('2030-01-01T01:00:00Z'),
    deliveries: () => 3,
    target: () => {
      n += 1;
      if (n === 2) throw new Error('throttled');
      return n;
    },
  });
  expect(fires.map((f) => [f.attempt, f.result, f.error])).toEqual([
    [1, 1, undefined],
    [2, undefined, 'Error: throttled'],
    [3, 3, undefined],
  ]);
  expect(new Set(fires.map((f) => f.executionId)).size).toBe(1);
  // A one-time schedule with ActionAfterCompletion DELETE is gone after its fire.
  expect(scheduler).toHaveReceivedCommandWith(DeleteScheduleCommand, { Name: 'j', GroupName: 'g' });
});

test('a schedule deleted or disabled by a fire is not fired again', async () => {
  const all: Record<string, Partial<GetScheduleCommandOutput>> = {
    a: { ScheduleExpression: 'rate(1 minute)' },
    b: { ScheduleExpression: 'rate(1 minute)' },
  };
  schedules(all);
  const fires = await fireScheduleGroup(client, 'g', {
    from: new Date('2030-01-01T00:00:00Z'),
    until: new Date('2030-01-01T00:05:00Z'),
    target: (event, fire) => {
      if (fire.schedule === 'a' && fire.scheduledTime === '2030-01-01T00:01:00Z') delete all.a;
      if (fire.schedule === 'b' && fire.scheduledTime === '2030-01-01T00:02:00Z') all.b.State = 'DISABLED';
      return event;
    },
  });
  expect(fires.map((f) => `${f.schedule}@${f.scheduledTime.slice(14, 16)}`)).toEqual([
    'a@00',
    'b@00',
    'a@01',
    'b@01',
    'b@02',
  ]);
});

test("the template's stream filters: job items only to the reconciler; file, state and schedule items with a status key to the status writer", () => {
  const record = (sk: string, newImage: Record<string, unknown> = {}) => ({
    dynamodb: { Keys: { pk: { S: 'JOB#a' }, sk: { S: sk } }, NewImage: newImage },
  });
  const reconciler = streamFilters('ReconcilerFunction');
  const status = streamFilters('StatusFunction');
  const passes = (patterns: Record<string, unknown>[], r: unknown) => patterns.some((p) => matchesFilter(p, r));
  expect(passes(reconciler, record('DEF'))).toBe(true);
  expect(passes(reconciler, record('SCHEDULE'))).toBe(false);
  expect(passes(reconciler, record('RUN#2030-01-01T00:00:00.000Z#slot'))).toBe(false);
  expect(passes(status, record('FILE'))).toBe(true);
  expect(passes(status, record('STATE', { statusKey: { S: 'jobs/a.json.status' } }))).toBe(true);
  expect(passes(status, record('STATE'))).toBe(false);
  expect(passes(status, record('DEF'))).toBe(false);
  expect(() => matchesFilter({ a: [{ prefix: 'x' }] }, {})).toThrow(/not understood/);
});
