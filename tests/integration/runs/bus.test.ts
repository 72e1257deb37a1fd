/** The built bus provider (dist/runs-bus) against moto: creates the Runs bus tagged with its stack, deletes only its own. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateEventBusCommand, DescribeEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { buildAll } from '../../../tooling/build';
import { type ResponseCatcher, startResponseCatcher } from '../../../tooling/cfn-responses';
import { invokeBundle } from '../../../tooling/invoke';
import { type Moto, startMoto } from '../../../tooling/moto';
import { EVENTS, ROOT } from '../../../tooling/paths';

const create = JSON.parse(
  readFileSync(join(EVENTS, 'runs-bus-create.json'), 'utf8'),
) as CloudFormationCustomResourceEvent;
let moto: Moto;
let catcher: ResponseCatcher;
let events: EventBridgeClient;

beforeAll(async () => {
  await buildAll(ROOT, ['runs-bus']);
  moto = await startMoto();
  catcher = await startResponseCatcher();
  events = new EventBridgeClient(moto.client);
}, 120000);

afterAll(async () => {
  await catcher?.stop();
  await moto?.stop();
});

async function answer(event: CloudFormationCustomResourceEvent) {
  const [r] = await invokeBundle('runs-bus', [{ ...event, ResponseURL: catcher.url }], { ...moto.env, ...catcher.env });
  if (!r.ok) throw new Error(r.error.message);
  return catcher.responses[catcher.responses.length - 1];
}

const exists = (name: string) =>
  events.send(new DescribeEventBusCommand({ Name: name })).then(
    () => true,
    () => false,
  );

test('Create, a retried Create, and Delete of its own bus', async () => {
  expect(await answer(create)).toMatchObject({
    Status: 'SUCCESS',
    PhysicalResourceId: 'cloud-cron-runs',
    Data: { Arn: 'arn:aws:events:us-east-1:123456789012:event-bus/cloud-cron-runs', Name: 'cloud-cron-runs' },
  });
  expect(await answer(create)).toMatchObject({ Status: 'SUCCESS' });
  expect(
    await answer({
      ...create,
      RequestType: 'Delete',
      PhysicalResourceId: 'cloud-cron-runs',
    } as CloudFormationCustomResourceEvent),
  ).toMatchObject({
    Status: 'SUCCESS',
  });
  expect(await exists('cloud-cron-runs')).toBe(false);
});

test("a bus someone else made is refused, and survives this stack's Delete", async () => {
  await events.send(new CreateEventBusCommand({ Name: 'taken' }));
  const props = { ...create.ResourceProperties, Name: 'taken' };
  expect(await answer({ ...create, ResourceProperties: props })).toMatchObject({
    Status: 'FAILED',
    Reason: expect.stringMatching(/an event bus named taken already exists/),
  });
  await answer({
    ...create,
    RequestType: 'Delete',
    PhysicalResourceId: 'taken',
    ResourceProperties: props,
  } as CloudFormationCustomResourceEvent);
  expect(await exists('taken')).toBe(true);
});
