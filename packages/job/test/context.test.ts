/** The job context: the envelope ScheduleContext=true sends, read as the Runs app reads it. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readEvent, readJobContext } from '../src/index';

const EVENTS = join(__dirname, '..', '..', '..', 'events');

test('an envelope gives the payload and a typed context', () => {
  const event = {
    payload: { report: 'daily' },
    cloudCron: {
      scheduledTime: '2030-01-07T07:00:00Z',
      executionId: '1b7e0c5a-6d2f-4e8a-9c3b-5f1d2e3a4b6c',
      attempt: '2',
      scheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/default/nightly',
      trigger: 'schedule',
    },
  };
  expect(readEvent<{ report: string }>(event)).toEqual({
    payload: { report: 'daily' },
    context: {
      scheduledTime: '2030-01-07T07:00:00.000Z',
      executionId: '1b7e0c5a-6d2f-4e8a-9c3b-5f1d2e3a4b6c',
      attempt: '2',
      scheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/default/nightly',
      trigger: 'schedule',
    },
  });
});

test('without the context, the whole event is the payload', () => {
  expect(readEvent({ report: 'daily' })).toEqual({ payload: { report: 'daily' }, context: undefined });
  expect(readEvent(undefined)).toEqual({ payload: undefined, context: undefined });
  // A payload that merely has a cloudCron key, or a context without the payload key, is not an envelope.
  expect(readEvent({ cloudCron: 'mine' }).context).toBeUndefined();
  const noPayload = { cloudCron: { scheduledTime: '2030-01-07T07:00:00Z' } };
  expect(readEvent(noPayload)).toEqual({ payload: noPayload, context: undefined });
});

test('malformed fields: a bad scheduled time means no context; other bad fields become ""', () => {
  expect(readJobContext({ payload: {}, cloudCron: { scheduledTime: 'tomorrow' } })).toBeUndefined();
  expect(readJobContext({ payload: {}, cloudCron: { scheduledTime: '2030-02-30T07:00:00' } })).toBeUndefined();
  expect(
    readJobContext({
      payload: {},
      cloudCron: {
        scheduledTime: '2030-01-07T07:00:00.5Z',
        executionId: 'bad id!',
        attempt: 3,
        scheduleArn: 'x',
        trigger: 'manual',
      },
    }),
  ).toEqual({
    scheduledTime: '2030-01-07T07:00:00.500Z',
    executionId: '',
    attempt: '3',
    scheduleArn: '',
    trigger: 'manual',
  });
  expect(
    readJobContext({ payload: {}, cloudCron: { scheduledTime: '2030-01-07T07:00:00Z', trigger: 'cron' } })?.trigger,
  ).toBe('schedule');
});

test('the sample envelope in events/ (sam local invoke -e events/job-context.json) is read as a context', () => {
  const event = JSON.parse(readFileSync(join(EVENTS, 'job-context.json'), 'utf8'));
  const { payload, context } = readEvent(event);
  expect(context).toEqual({
    scheduledTime: '2030-01-07T07:00:00.000Z',
    executionId: '1b7e0c5a-6d2f-4e8a-9c3b-5f1d2e3a4b6c',
    attempt: '1',
    scheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/default/website-JobFunctionSchedule-1A2B3C',
    trigger: 'schedule',
  });
  expect(payload).toEqual(event.payload);
});
