/**
 * functions/common/idempotency.ts (Powertools Idempotency on DynamoDB) against a mocked DynamoDB client.
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createIdempotency } from '../../../functions/common/idempotency';

const ddb = mockClient(DynamoDBClient);
const context = { getRemainingTimeInMillis: () => 30_000, functionName: 'f', awsRequestId: 'r' } as unknown as Context;

function existing(
  status: 'COMPLETED' | 'INPROGRESS',
  data?: Record<string, unknown>,
  inProgressExpiry = Date.now() + 60_000,
) {
  return new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: {},
    Item: marshall({
      id: 'email#x',
      status,
      expiration: Math.floor(Date.now() / 1000) + 3600,
      in_progress_expiration: inProgressExpiry,
      ...(data ? { data } : {}),
    }),
  });
}

/** An idempotency store on the mocked client, with the invocation's context registered (as the handler does). */
function make(keyPrefix?: string) {
  const idem = createIdempotency('table', 3600, {
    ...(keyPrefix ? { keyPrefix } : {}),
    client: new DynamoDBClient({}),
  });
  idem.registerContext(context);
  return idem;
}

beforeEach(() => {
  ddb.reset();
  ddb.on(PutItemCommand).resolves({});
  ddb.on(UpdateItemCommand).resolves({});
  ddb.on(DeleteItemCommand).resolves({});
});

test('first call: records INPROGRESS with a TTL, runs the work, stores its result as COMPLETED', async () => {
  const idem = make('email');
  const before = Math.floor(Date.now() / 1000);
  const work = jest.fn(async () => ({ sesMessageId: 'ses-1' }));
  await expect(idem.once('key-1', work)).resolves.toEqual({ sesMessageId: 'ses-1' });
  expect(work).toHaveBeenCalledTimes(1);

  const put = ddb.commandCalls(PutItemCommand)[0].args[0].input;
  expect(put.TableName).toBe('table');
  expect(put.Item?.id?.S).toMatch(/^email#/);
  expect(put.Item?.status?.S).toBe('INPROGRESS');
  const expiration = Number(put.Item?.expiration?.N);
  expect(expiration).toBeGreaterThanOrEqual(before + 3600);
  expect(expiration).toBeLessThanOrEqual(before + 3601);
  // Bounded by the invocation's remaining time, so a crashed run does not block its retry until the TTL.
  expect(Number(put.Item?.in_progress_expiration?.N)).toBeLessThanOrEqual(Date.now() + 30_000);
  expect(put.ConditionExpression).toContain('attribute_not_exists(#id)');

  const update = ddb.commandCalls(UpdateItemCommand)[0].args[0].input;
  expect(update.Key).toEqual(put.Item && { id: put.Item.id });
  expect(update.ExpressionAttributeValues?.[':status']).toEqual({ S: 'COMPLETED' });
  expect(update.ExpressionAttributeValues?.[':response_data']).toEqual({ M: { sesMessageId: { S: 'ses-1' } } });
});

test('same key again: the work does not run; the stored result is returned', async () => {
  ddb.on(PutItemCommand).rejects(existing('COMPLETED', { sesMessageId: 'ses-1' }));
  const idem = make('email');
  const work = jest.fn(async () => ({ sesMessageId: 'ses-2' }));
  await expect(idem.once('key-1', work)).resolves.toEqual({ sesMessageId: 'ses-1' });
  expect(work).not.toHaveBeenCalled();
  expect(ddb).toHaveReceivedCommandTimes(UpdateItemCommand, 0);
});

test('the same key maps to the same record id, another key to another one', async () => {
  const idem = make('email');
  await idem.once('key-1', async () => ({}));
  await idem.once('key-1', async () => ({}));
  await idem.once('key-2', async () => ({}));
  const ids = ddb.commandCalls(PutItemCommand).map((c) => c.args[0].input.Item?.id?.S);
  expect(ids[0]).toBe(ids[1]);
  expect(ids[2]).not.toBe(ids[0]);
});

test('a concurrent duplicate (record still INPROGRESS) fails instead of running the work twice', async () => {
  ddb.on(PutItemCommand).rejects(existing('INPROGRESS'));
  const idem = make();
  const work = jest.fn(async () => ({}));
  await expect(idem.once('key-1', work)).rejects.toMatchObject({ name: 'IdempotencyAlreadyInProgressError' });
  expect(work).not.toHaveBeenCalled();
});

test('when the work fails, the record is deleted so a retry runs it again, and the error is rethrown unchanged', async () => {
  const idem = make();
  const failure = new Error('SES down');
  await expect(idem.once('key-1', async () => Promise.reject(failure))).rejects.toBe(failure);
  expect(ddb).toHaveReceivedCommandTimes(DeleteItemCommand, 1);
  expect(ddb.commandCalls(DeleteItemCommand)[0].args[0].input.Key).toEqual({
    id: ddb.commandCalls(PutItemCommand)[0].args[0].input.Item?.id,
  });
  expect(ddb).toHaveReceivedCommandTimes(UpdateItemCommand, 0);
});

test('a DynamoDB failure stops the work before it runs', async () => {
  ddb.on(PutItemCommand).rejects(new Error('ProvisionedThroughputExceeded'));
  const idem = make();
  const work = jest.fn(async () => ({}));
  await expect(idem.once('key-1', work)).rejects.toMatchObject({ name: 'IdempotencyPersistenceLayerError' });
  expect(work).not.toHaveBeenCalled();
});

test('the record is read back when DynamoDB does not return the existing item', async () => {
  ddb.on(PutItemCommand).rejects(new ConditionalCheckFailedException({ message: 'failed', $metadata: {} }));
  ddb.on(GetItemCommand).resolves({
    Item: marshall({ id: 'x', status: 'COMPLETED', expiration: Math.floor(Date.now() / 1000) + 60, data: { n: 1 } }),
  });
  const idem = make();
  await expect(idem.once('key-1', async () => ({ n: 2 }))).resolves.toEqual({ n: 1 });
});

test('an empty key is refused instead of silently skipping idempotency', async () => {
  const idem = make();
  const work = jest.fn(async () => ({}));
  await expect(idem.once('', work)).rejects.toThrow('idempotency key must be a non-empty string');
  expect(work).not.toHaveBeenCalled();
});
