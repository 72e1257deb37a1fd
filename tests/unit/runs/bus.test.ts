/** The bus custom resource: creates its bus, never takes over another's, deletes only its own. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { answerCustomResource } from '../../../functions/common/custom-resource';
import { type Buses, createBusProvider, OWNER_TAG } from '../../../functions/runs-bus/bus';
import { EVENTS } from '../../../tooling/paths';

const create = JSON.parse(
  readFileSync(join(EVENTS, 'runs-bus-create.json'), 'utf8'),
) as CloudFormationCustomResourceEvent;

function fakeBuses() {
  const buses = new Map<string, Record<string, string>>();
  const api: Buses = {
    async create(name, tags) {
      buses.set(name, tags);
      return `arn:aws:events:us-east-1:123456789012:event-bus/${name}`;
    },
    async describe(name) {
      const tags = buses.get(name);
      return tags && { arn: `arn:aws:events:us-east-1:123456789012:event-bus/${name}`, tags };
    },
    async delete(name) {
      buses.delete(name);
    },
  };
  return {
    buses,
    answer: (e: CloudFormationCustomResourceEvent) =>
      answerCustomResource(e, createBusProvider(api), async () => undefined, { region: 'us-east-1' }),
  };
}

test('Create makes the bus tagged with its stack; a retried Create finds it and succeeds', async () => {
  const { buses, answer } = fakeBuses();
  const r = await answer(create);
  expect(r).toMatchObject({
    Status: 'SUCCESS',
    PhysicalResourceId: 'cloud-cron-runs',
    Data: { Arn: 'arn:aws:events:us-east-1:123456789012:event-bus/cloud-cron-runs', Name: 'cloud-cron-runs' },
  });
  expect(buses.get('cloud-cron-runs')).toEqual({ [OWNER_TAG]: create.StackId });
  expect((await answer(create)).Status).toBe('SUCCESS');
});

test("another's bus of the same name is never taken over, nor deleted", async () => {
  const { buses, answer } = fakeBuses();
  buses.set('cloud-cron-runs', { owner: 'someone' });
  const r = await answer(create);
  expect(r.Status).toBe('FAILED');
  expect(r.Reason).toMatch(/already exists .* choose another BusName/);
  await answer({
    ...create,
    RequestType: 'Delete',
    PhysicalResourceId: 'cloud-cron-runs',
  } as CloudFormationCustomResourceEvent);
  expect(buses.has('cloud-cron-runs')).toBe(true);
});

test('Delete removes its own bus; a rollback of a failed Create deletes nothing', async () => {
  const { buses, answer } = fakeBuses();
  await answer(create);
  const del = {
    ...create,
    RequestType: 'Delete',
    PhysicalResourceId: 'cloud-cron-runs',
  } as CloudFormationCustomResourceEvent;
  expect((await answer(del)).Status).toBe('SUCCESS');
  expect(buses.size).toBe(0);
  expect(
    (
      await answer({
        ...del,
        PhysicalResourceId: 'cloud-cron-failed-RunsBus-2a3b4c5d',
      } as CloudFormationCustomResourceEvent)
    ).Status,
  ).toBe('SUCCESS');
});

test('bad names are refused', async () => {
  const { answer } = fakeBuses();
  for (const name of ['default', 'with space', 'x'.repeat(65)]) {
    const r = await answer({ ...create, ResourceProperties: { ...create.ResourceProperties, Name: name } });
    expect(r.Status).toBe('FAILED');
  }
});
