/**
 * The jobs demo against moto (tooling/jobs-demo.ts, what `npm start -- --jobs` runs): examples/jobs applied with the
 * CLI's apply, reconciled from the table's stream into moto's Scheduler, and fired over four simulated days. What
 * the issue asks to see: the one-shot runs once and its schedule is gone; maxRuns 3 stops after three slots (the
 * dispatcher deletes the schedule, no fourth fire); overlap skip skips the slot that comes while a run holds the
 * lease; the SNS job's message attributes route it to the email channel's subscription (the parent's
 * EmailFilterPolicy on a real SNS subscription), and the heartbeat's severity=info keeps it out.
 */
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { loadTemplate } from '../../../tooling/cfn-yaml';
import { type JobsDemoResult, runJobsDemo } from '../../../tooling/jobs-demo';
import { type Moto, startMoto } from '../../../tooling/moto';
import { ROOT } from '../../../tooling/paths';
import { drain } from '../../../tooling/runs-local';

let moto: Moto;
let result: JobsDemoResult;
let sqs: SQSClient;
let emailQueue: string;
const filterPolicy = String(
  loadTemplate(join(ROOT, 'examples', 'parent', 'template.yaml')).Parameters!.EmailFilterPolicy.Default,
);

beforeAll(async () => {
  moto = await startMoto();
  const sns = new SNSClient(moto.client);
  sqs = new SQSClient(moto.client);
  // The parent's reports topic, and its email channel's subscription with the parent's filter policy.
  const topic = (await sns.send(new CreateTopicCommand({ Name: 'cloud-cron-demo-reports' }))).TopicArn!;
  emailQueue = (await sqs.send(new CreateQueueCommand({ QueueName: 'demo-email-channel' }))).QueueUrl!;
  const queueArn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: emailQueue, AttributeNames: ['QueueArn'] }))
  ).Attributes!.QueueArn!;
  await sns.send(
    new SubscribeCommand({
      TopicArn: topic,
      Protocol: 'sqs',
      Endpoint: queueArn,
      Attributes: { FilterPolicy: filterPolicy, FilterPolicyScope: 'MessageAttributes', RawMessageDelivery: 'false' },
    }),
  );
  result = await runJobsDemo({
    dir: join(ROOT, 'examples', 'jobs'),
    clients: {
      ddb: new DynamoDBClient(moto.client),
      streams: new DynamoDBStreamsClient(moto.client),
      scheduler: new SchedulerClient(moto.client),
      s3: new S3Client({ ...moto.client, forcePathStyle: true }),
      sqs,
      sns,
    },
    // Sunday 6 to Thursday 10 January 2030 (00:00 UTC).
    window: { from: new Date('2030-01-06T00:00:00Z'), until: new Date('2030-01-10T00:00:00Z') },
  });
}, 180_000);

afterAll(async () => {
  await moto?.stop();
});

const firesOf = (job: string) => result.fires.filter((f) => f.job === job);
const viewOf = (job: string) => result.jobs.find((j) => j.id === job)!;

test('every example is applied and gets its schedule from the stream', () => {
  expect(result.apply.created).toHaveLength(6);
  expect(result.lines[1]).toMatch(/6 schedule\(s\) created in group cloud-cron-demo-jobs/);
});

test('the one-shot runs once, then its schedule is gone and the job is FINISHED', () => {
  expect(firesOf('launch-announcement')).toEqual([
    expect.objectContaining({ scheduledTime: '2030-01-07T09:30:00Z', outcome: 'dispatched' }),
  ]);
  expect(result.invocations.filter((i) => i.function === 'cloud-cron-demo-announcer')).toEqual([
    expect.objectContaining({ payload: { campaign: 'spring-launch' }, sync: false }),
  ]);
  expect(result.schedules).not.toContain('launch-announcement');
  expect(viewOf('launch-announcement').schedule.state).toBe('FINISHED');
});

test('maxRuns 3 stops after three slots: the schedule is deleted and the fourth day does not fire', () => {
  expect(firesOf('trial-reminders').map((f) => [f.scheduledTime, f.outcome])).toEqual([
    ['2030-01-06T14:00:00Z', 'dispatched'],
    ['2030-01-07T14:00:00Z', 'dispatched'],
    ['2030-01-08T14:00:00Z', 'dispatched'],
  ]);
  expect(result.schedules).not.toContain('trial-reminders');
  expect(viewOf('trial-reminders').runs).toMatchObject({ count: 3, maxRuns: 3, finished: { reason: 'maxRuns' } });
  expect(result.lines.join('\n')).toMatch(
    /trial-reminders\s+3 fire\(s\): 3 dispatched; finished \(maxRuns\), schedule deleted/,
  );
});

test('overlap skip: the slot that comes while the long first run holds the lease is skipped, the others run', () => {
  const fires = firesOf('inventory-sync');
  // 08:00-08:50 Paris every 10 minutes on Monday to Wednesday: 18 slots.
  expect(fires).toHaveLength(18);
  const skipped = fires.filter((f) => f.outcome === 'skipped');
  expect(skipped).toEqual([
    expect.objectContaining({
      scheduledTime: '2030-01-07T07:10:00Z',
      reason: expect.stringMatching(/holds the lease/),
    }),
  ]);
  // The first run (14 simulated minutes) ended after that slot; every other slot ran, synchronously.
  expect(fires[0]).toMatchObject({
    scheduledTime: '2030-01-07T07:00:00Z',
    outcome: 'succeeded',
    endedAt: '2030-01-07T07:14:00.000Z',
  });
  expect(fires.filter((f) => f.outcome === 'succeeded')).toHaveLength(17);
  expect(result.invocations.filter((i) => i.function === 'cloud-cron-demo-inventory-sync' && i.sync)).toHaveLength(17);
  expect(result.runs['inventory-sync'].find((r) => r.status === 'skipped')).toMatchObject({
    scheduledTime: '2030-01-07T07:10:00.000Z',
  });
});

test("the SNS jobs publish with their attributes; the email channel's filter policy takes the report, drops the info", async () => {
  const digest = result.published.filter((p) => p.attributes.severity === 'warning');
  expect(digest).toHaveLength(1);
  expect(digest[0]).toMatchObject({ subject: 'Weekly digest: 1 endpoint slow', attributes: { type: 'report' } });
  expect(result.published.filter((p) => p.attributes.severity === 'info')).toHaveLength(4);
  const delivered = await drain<{ MessageId: string; Message: string }>(sqs, emailQueue);
  expect(delivered.map((m) => m.MessageId)).toEqual([digest[0].messageId]);
  expect(JSON.parse(delivered[0].Message)).toMatchObject({ title: 'Weekly digest: 1 endpoint slow' });
});

test('the lines show the same, and the jobs as `cloud-cron jobs list` prints them', () => {
  const text = result.lines.join('\n');
  expect(text).toMatch(
    /inventory-sync\s+18 fire\(s\): 17 succeeded, 1 skipped; skipped 2030-01-07T07:10:00Z: overlap skip/,
  );
  expect(text).toMatch(/launch-announcement\s+FINISHED\s+at\(2030-01-07T10:30:00\) Europe\/Paris/);
  expect(text).toMatch(/trial-reminders\s+FINISHED\s+.*3\/3/);
});
