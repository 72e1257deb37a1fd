/** The job context: the envelope the schedule sends, and what the ledger reads of it. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJobContext, scheduleInput, substituteSchedulerContext } from '../../../functions/common/runs/job-context';
import { EVENTS } from '../../../tooling/paths';

test('the Input wraps the payload unchanged, whatever keys it has, and the Scheduler fills in the context', () => {
  const payload = '{"payload":"mine","cloudCron":"also mine","n":[1,2]}';
  const input = scheduleInput(payload);
  expect(input).toContain('<aws.scheduler.scheduled-time>');
  const event = JSON.parse(
    substituteSchedulerContext(input, {
      scheduledTime: '2030-01-07T07:00:00Z',
      executionId: 'e-1',
      attempt: 2,
      scheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/default/s',
    }),
  );
  expect(event.payload).toEqual(JSON.parse(payload));
  expect(event.cloudCron).toEqual({
    scheduledTime: '2030-01-07T07:00:00Z',
    executionId: 'e-1',
    attempt: '2',
    scheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/default/s',
    trigger: 'schedule',
  });
});

test('the documented sample event is read as a context', () => {
  const event = JSON.parse(readFileSync(join(EVENTS, 'job-context.json'), 'utf8'));
  expect(readJobContext(event)).toEqual({
    scheduledTime: '2030-01-07T07:00:00.000Z',
    executionId: '1b7e0c5a-6d2f-4e8a-9c3b-5f1d2e3a4b6c',
    attempt: '1',
    scheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/default/website-JobFunctionSchedule-1A2B3C',
    trigger: 'schedule',
  });
});

test('a payload without a context, or with a malformed one, has none; bad fields are dropped', () => {
  expect(readJobContext({ report: 'daily' })).toBeUndefined();
  expect(readJobContext({ cloudCron: { scheduledTime: 'tomorrow' } })).toBeUndefined();
  expect(readJobContext([])).toBeUndefined();
  expect(
    readJobContext({
      cloudCron: { scheduledTime: '2030-01-07T07:00:00Z', executionId: 'bad id!', attempt: 'x', trigger: 'manual' },
    }),
  ).toEqual({
    scheduledTime: '2030-01-07T07:00:00.000Z',
    executionId: '',
    attempt: '',
    scheduleArn: '',
    trigger: 'manual',
  });
});
