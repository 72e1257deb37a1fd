/**
 * tooling/task-demo.ts (what `npm start -- --task` runs) against moto_server: the container gets exactly the
 * environment ECS would give it (the macro's topic variables, the schedule's override with the Scheduler's
 * keywords filled in), its exit code decides the run, a hung run is stopped by the reaper at TaskTimeoutMinutes,
 * and both ends reach the failure topic and the Runs ledger through the built monitor and recorder.
 */
import { ListTasksCommand } from '@aws-sdk/client-ecs';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { buildAll } from '../../../tooling/build';
import { type Moto, startMoto } from '../../../tooling/moto';
import { ROOT } from '../../../tooling/paths';
import { drain } from '../../../tooling/runs-local';
import { deployTaskDemo, type TaskDemo } from '../../../tooling/task-demo';

jest.setTimeout(180_000);

let moto: Moto;
let sqs: SQSClient;
let inbox: string;
let reports: string;
let demo: TaskDemo;

beforeAll(async () => {
  moto = await startMoto();
  await buildAll(ROOT, ['macro', 'task-monitor', 'runs-recorder', 'runs-registrar']);
  const sns = new SNSClient(moto.client);
  sqs = new SQSClient(moto.client);
  reports = (await sns.send(new CreateTopicCommand({ Name: 'reports' }))).TopicArn!;
  const failures = (await sns.send(new CreateTopicCommand({ Name: 'failures' }))).TopicArn!;
  inbox = (await sqs.send(new CreateQueueCommand({ QueueName: 'failures-inbox' }))).QueueUrl!;
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: inbox, AttributeNames: ['QueueArn'] })))
    .Attributes!.QueueArn;
  await sns.send(new SubscribeCommand({ TopicArn: failures, Protocol: 'sqs', Endpoint: arn }));
  demo = await deployTaskDemo({
    moto,
    stackName: 'demo-export',
    parameters: {
      ImageUri: `123456789012.dkr.ecr.us-east-1.amazonaws.com/export@sha256:${'7'.repeat(64)}`,
      SnsTopics: `REPORTS=${reports}`,
      ScheduleExpression: 'rate(1 hour)',
      SchedulePayload: '{"export":"orders","note":"quote \\" and é"}',
      TaskTimeoutMinutes: '45',
      FailureTopicArn: failures,
    },
  });
});

afterAll(async () => {
  await moto?.stop();
});

test('the stack registers with the Runs app under its family', () => {
  expect(demo.registration.Status).toBe('SUCCESS');
  expect(demo.job).toBe('cloud-cron-demo-export');
  expect(demo.topicVariables).toEqual({ REPORTS: reports });
});

test('a failing container and a hung run: both notified once, both in the ledger, with their slots', async () => {
  const now = new Date('2031-03-04T05:06:30Z');
  const seen: Record<string, string>[] = [];
  const r = await demo.run(async (env) => {
    seen.push(env);
    return 3;
  }, now);
  // The container's environment, exactly: the macro's topic variable and the schedule's override, filled in.
  expect(seen).toEqual([
    {
      REPORTS: reports,
      CLOUD_CRON_PAYLOAD: '{"export":"orders","note":"quote \\" and é"}',
      CLOUD_CRON_SCHEDULED_TIME: '2031-03-04T05:06:00Z',
      CLOUD_CRON_EXECUTION_ID: expect.stringMatching(/^[0-9a-f-]{36}$/),
    },
  ]);
  expect(r.exitCode).toBe(3);
  expect(r.runs.map((x) => [x.status, x.notified])).toEqual([
    ['timed_out', true],
    ['failed', true],
  ]);
  // The reaper stopped the hung task on moto; no task of the job is left running.
  const running = await demo.local.ecs.send(
    new ListTasksCommand({ cluster: demo.local.clusterArn, desiredStatus: 'RUNNING' }),
  );
  expect(running.taskArns ?? []).toEqual([]);
  const notices = (await drain<{ Subject: string; Message: string }>(sqs, inbox)).map((n) => ({
    subject: n.Subject,
    body: JSON.parse(n.Message) as { reason: string },
  }));
  expect(notices.map((n) => n.subject).sort()).toEqual([
    'Cloud Cron: cloud-cron-demo-export failed',
    'Cloud Cron: cloud-cron-demo-export timed out',
  ]);
  expect(notices.find((n) => n.subject.endsWith('failed'))!.body.reason).toBe('container job failed with exit code 3');
  expect(notices.find((n) => n.subject.endsWith('timed out'))!.body.reason).toMatch(
    /^Cloud Cron: timed out after TaskTimeoutMinutes=45, created 2031-03-04T04:20:04/,
  );
  expect(r.entries.map((e) => [e.status, e.scheduledTime]).sort()).toEqual([
    ['failed', '2031-03-04T05:06:00.000Z'],
    ['timed_out', '2031-03-04T04:20:00.000Z'],
  ]);
  expect(r.table).toMatch(/failed\s+2031-03-04 05:06:00Z/);
  // No payload in the ledger or the notices.
  expect(JSON.stringify([r.entries, notices])).not.toMatch(/orders/);
});
