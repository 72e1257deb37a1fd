/**
 * The job-author library (packages/job) agrees with the rest of Cloud Cron: it reads the job context exactly as the
 * Runs app does (so the job and the run ledger always name the same slot), the context it types is the one the
 * schedule sends, and it accepts the topic ARNs and variable names the CloudCron macro accepts.
 */
import {
  type JobContext as LibraryContext,
  readJobContext as libraryRead,
  loadTopics,
  TOPIC_ARN,
} from '@cloud-cron/job';
import {
  type JobContext as RunsContext,
  readJobContext as runsRead,
  scheduleInput,
  substituteSchedulerContext,
} from '../../functions/common/runs/job-context';
import { isTopicArn, nameProblem } from '../../functions/macro/sns-topics';

// Compile-time: each type is assignable to the other.
const toRuns = (c: LibraryContext): RunsContext => c;
const toLibrary = (c: RunsContext): LibraryContext => c;

const contexts: unknown[] = [
  {
    scheduledTime: '2030-01-07T07:00:00Z',
    executionId: 'e-1',
    attempt: '1',
    scheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/default/s',
    trigger: 'schedule',
  },
  { scheduledTime: '2030-01-07T07:00:00.123Z', executionId: 'manual-1b7e', attempt: 2, trigger: 'manual' },
  { scheduledTime: '2030-01-07T07:00:00+01:00' },
  { scheduledTime: '2030-13-07T07:00:00Z' },
  {
    scheduledTime: '2030-01-07T07:00:00Z',
    executionId: 'x'.repeat(129),
    attempt: '12345',
    scheduleArn: 'arn:aws:sns:us-east-1:123456789012:t',
  },
  { scheduledTime: '2030-01-07T07:00:00Z', executionId: ['e'], attempt: null, trigger: 'MANUAL' },
  { scheduledTime: 1893999600000 },
  'cloudCron',
  null,
  [],
];

test.each(contexts.map((c) => [JSON.stringify(c)?.slice(0, 60), c]))(
  'the same context as the Runs app: %s',
  (_name, raw) => {
    const event = { payload: {}, cloudCron: raw };
    expect(libraryRead(event)).toEqual(runsRead(event));
  },
);

test('what the Scheduler sends with ScheduleContext=true reads back as the context it carried', () => {
  const values = {
    scheduledTime: '2030-01-07T07:00:00Z',
    executionId: 'e-9',
    attempt: 3,
    scheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/default/s',
  };
  const event = JSON.parse(substituteSchedulerContext(scheduleInput('{"report":"daily"}'), values));
  const context = libraryRead(event);
  expect(context && toRuns(context)).toEqual({
    ...values,
    scheduledTime: '2030-01-07T07:00:00.000Z',
    attempt: '3',
    trigger: 'schedule',
  });
  expect(toLibrary(runsRead(event)!)).toEqual(context);
});

test('topic ARNs and variable names: the library accepts what the macro accepts', () => {
  const arns = [
    'arn:aws:sns:us-east-1:123456789012:alerts',
    'arn:aws-cn:sns:cn-north-1:123456789012:a_b-c',
    'arn:aws-us-gov:sns:us-gov-west-1:123456789012:x.fifo',
    'arn:aws:sns:us-east-1:123456789012:',
    'arn:aws:sqs:us-east-1:123456789012:q',
    'arn:aws:sns:us-east-1:12345678901:t',
    `arn:aws:sns:eu-west-1:123456789012:${'a'.repeat(257)}`,
    `arn:aws:sns:eu-west-1:123456789012:${'a'.repeat(252)}.fifo`,
  ];
  for (const arn of arns) expect([arn, TOPIC_ARN.test(arn)]).toEqual([arn, isTopicArn(arn)]);
  for (const name of ['ALERTS', 'A1', 'a_b', 'A', '1A', 'A-B', '_X']) {
    const library = (() => {
      try {
        loadTopics([name], { env: { [name]: arns[0] } });
        return true;
      } catch {
        return false;
      }
    })();
    // The macro also refuses Lambda's reserved names, which a job never reads as topics.
    expect([name, library]).toEqual([name, nameProblem(name) === undefined]);
  }
});
