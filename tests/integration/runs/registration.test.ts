/**
 * The built registrar (dist/runs-registrar) against moto: a job stack's RunsRegistration custom resource registers
 * the job from what Lambda and EventBridge Scheduler hold, refuses what would make the ledger wrong or let a stack
 * register another's function, unregisters on Delete, and always answers CloudFormation.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient, PutFunctionEventInvokeConfigCommand } from '@aws-sdk/client-lambda';
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { createLedgerStore, type LedgerStore } from '../../../functions/common/runs/store';
import { buildAll } from '../../../tooling/build';
import { type ResponseCatcher, startResponseCatcher } from '../../../tooling/cfn-responses';
import { invokeBundle } from '../../../tooling/invoke';
import { type Moto, startMoto } from '../../../tooling/moto';
import { EVENTS, ROOT } from '../../../tooling/paths';
import { deployRunsLocally, type LocalRuns } from '../../../tooling/runs-local';

const template = JSON.parse(
  readFileSync(join(EVENTS, 'runs-registration-create.json'), 'utf8'),
) as CloudFormationCustomResourceEvent;
const STACK = template.StackId;

let moto: Moto;
let runs: LocalRuns;
let store: LedgerStore;
let catcher: ResponseCatcher;
let lambda: LambdaClient;
let scheduleArn: string;
let role: string;

async function deployJob(name: string, stackId: string, destination: string): Promise<string> {
  const fn = await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      PackageType: 'Image',
      Code: { ImageUri: `123456789012.dkr.ecr.us-east-1.amazonaws.com/${name}:latest` },
      Role: role,
      Timeout: 120,
      Tags: { 'aws:cloudformation:stack-id': stackId },
    }),
  );
  await lambda.send(
    new PutFunctionEventInvokeConfigCommand({
      FunctionName: name,
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 1,
      DestinationConfig: { OnSuccess: { Destination: destination }, OnFailure: { Destination: destination } },
    }),
  );
  const s = await new SchedulerClient(moto.client).send(
    new CreateScheduleCommand({
      Name: `${name}-JobFunctionSchedule-1A2B3C`,
      ScheduleExpression: 'cron(0 8 ? * MON-FRI *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 10 },
      Target: { Arn: fn.FunctionArn, RoleArn: role, Input: '{}' },
    }),
  );
  return s.ScheduleArn!;
}

function request(over: Partial<CloudFormationCustomResourceEvent> & { props?: Record<string, string> } = {}) {
  const { props, ...rest } = over;
  return {
    ...template,
    ResponseURL: catcher.url,
    ServiceToken: `arn:aws:lambda:us-east-1:123456789012:function:${runs.busName}-registrar`,
    ResourceProperties: { ...template.ResourceProperties, ScheduleArn: scheduleArn, ...props },
    ...rest,
  } as CloudFormationCustomResourceEvent;
}

async function answer(event: CloudFormationCustomResourceEvent) {
  const before = catcher.responses.length;
  const [r] = await invokeBundle('runs-registrar', [event], {
    ...moto.env,
    ...runs.env('RegistrarFunction'),
    ...catcher.env,
  });
  if (!r.ok) throw new Error(`registrar threw: ${r.error.message}\n${r.logs}`);
  expect(catcher.responses).toHaveLength(before + 1);
  return catcher.responses[before];
}

beforeAll(async () => {
  await buildAll(ROOT, ['runs-registrar']);
  moto = await startMoto();
  catcher = await startResponseCatcher();
  const ddb = new DynamoDBClient(moto.client);
  runs = await deployRunsLocally(
    { ddb, events: new EventBridgeClient(moto.client), sqs: new SQSClient(moto.client) },
    { prefix: 'reg', busName: 'cloud-cron-runs' },
  );
  store = createLedgerStore(ddb, runs.tableName);
  lambda = new LambdaClient(moto.client);
  role = (
    await new IAMClient(moto.client).send(new CreateRoleCommand({ RoleName: 'job', AssumeRolePolicyDocument: '{}' }))
  ).Role!.Arn!;
  scheduleArn = await deployJob('nightly-report', STACK, runs.busArn);
}, 120000);

afterAll(async () => {
  await catcher?.stop();
  await moto?.stop();
});

test('Create registers the deployed job and answers SUCCESS with its name', async () => {
  const r = await answer(request());
  expect(r).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'nightly-report', Data: { Job: 'nightly-report' } });
  expect(await store.getRegistration('nightly-report')).toMatchObject({
    job: 'nightly-report',
    functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:nightly-report',
    stackId: STACK,
    stackName: 'nightly-report',
    scheduleArn,
    expression: 'cron(0 8 ? * MON-FRI *)',
    timezone: 'Europe/Paris',
    state: 'ENABLED',
    flexibleWindowMinutes: 10,
    timeoutSeconds: 120,
    maximumRetryAttempts: 1,
    scheduleContext: true,
  });
});

test('another stack cannot register a function it does not own, nor one whose runs go elsewhere', async () => {
  const other = 'arn:aws:cloudformation:us-east-1:123456789012:stack/intruder/2';
  const stolen = await answer(request({ StackId: other }));
  expect(stolen).toMatchObject({
    Status: 'FAILED',
    Reason: expect.stringMatching(/belongs to stack nightly-report, not to intruder/),
  });
  const elsewhere = 'arn:aws:events:us-east-1:123456789012:event-bus/default';
  const s = await deployJob('unwired', other, elsewhere);
  const r = await answer(request({ StackId: other, props: { FunctionName: 'unwired', ScheduleArn: s } }));
  expect(r).toMatchObject({
    Status: 'FAILED',
    Reason: expect.stringMatching(/does not send both asynchronous-invocation destinations to .*cloud-cron-runs/),
  });
  const gone = await answer(request({ props: { FunctionName: 'no-such-function' } }));
  expect(gone.Reason).toMatch(/function no-such-function does not exist/);
  expect(await store.getRegistration('unwired')).toBeUndefined();
});

test("a request whose ResponseURL is not CloudFormation's changes nothing and is answered to nobody", async () => {
  const before = catcher.responses.length;
  const del = request({ RequestType: 'Delete', PhysicalResourceId: 'nightly-report' } as never);
  const foreign = { ...del, ResponseURL: 'https://attacker.example/cfn?X-Amz-Signature=secret' };
  // Without the test-only switch (as deployed by the template), the loopback catcher is refused as well.
  const results = await invokeBundle('runs-registrar', [del, foreign], {
    ...moto.env,
    ...runs.env('RegistrarFunction'),
  });
  expect(results.map((r) => (r.ok ? 'answered' : `${r.error.name}: ${r.error.message}`))).toEqual([
    expect.stringMatching(/^UnusableResponseUrlError: ResponseURL must use https, not http$/),
    expect.stringMatching(/^UnusableResponseUrlError: ResponseURL host attacker.example is not CloudFormation's/),
  ]);
  expect(results[0].logs).not.toContain('secret');
  expect(catcher.responses).toHaveLength(before);
  expect(await store.getRegistration('nightly-report')).toMatchObject({ job: 'nightly-report' });
});

test('Delete unregisters the job; a second Delete (or a rollback) still answers SUCCESS', async () => {
  const del = request({ RequestType: 'Delete', PhysicalResourceId: 'nightly-report' } as never);
  expect((await answer(del)).Status).toBe('SUCCESS');
  expect(await store.getRegistration('nightly-report')).toBeUndefined();
  expect((await answer(del)).Status).toBe('SUCCESS');
});
