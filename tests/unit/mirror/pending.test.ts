import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import {
  BUILD_INDEX,
  dynamoPendingStore,
  fromItem,
  type PendingRequest,
  pendingId,
  toItem,
} from '../../../functions/mirror/pending';

const ddbMock = mockClient(DynamoDBClient);
const store = dynamoPendingStore(new DynamoDBClient({ region: 'us-east-1' }), 'pending');
const request: PendingRequest = {
  id: pendingId('stack', 'req', 'MirroredImage'),
  requestType: 'Create',
  responseUrl: 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x',
  stackId: 'stack',
  requestId: 'req',
  logicalResourceId: 'MirroredImage',
  physicalResourceId: 'repo@sha256:1',
  failurePhysicalResourceId: 'MirroredImage-not-mirrored',
  destRepository: '123456789012.dkr.ecr.us-east-1.amazonaws.com/mirror/app',
  imageDigest: 'sha256:1',
  destTag: 'v1',
  createdAt: 1000,
  expiresAt: 8200,
};

beforeEach(() => ddbMock.reset());

test('the opaque id is 32 hex characters, the same for the same request and different for another', () => {
  expect(request.id).toMatch(/^[a-f0-9]{32}$/);
  expect(pendingId('stack', 'req', 'MirroredImage')).toBe(request.id);
  expect(pendingId('stack', 'req2', 'MirroredImage')).not.toBe(request.id);
  expect(request.id).not.toContain('req');
});

test('items round-trip; an incomplete item is refused rather than answered wrongly', () => {
  expect(fromItem(toItem(request))).toEqual(request);
  expect(fromItem(toItem({ ...request, buildId: 'p:1' }))).toEqual({ ...request, buildId: 'p:1' });
  const { responseUrl: _omitted, ...item } = toItem(request);
  expect(() => fromItem(item)).toThrow(/is incomplete \(missing responseUrl\)/);
  expect(fromItem(undefined)).toBeUndefined();
});

test('put, get (consistent), remove address the item by its id', async () => {
  ddbMock.on(GetItemCommand).resolves({ Item: toItem(request) });
  await store.put(request);
  expect(await store.get(request.id)).toEqual(request);
  await store.remove(request.id);
  expect(ddbMock.commandCalls(PutItemCommand)[0].args[0].input).toEqual({
    TableName: 'pending',
    Item: toItem(request),
  });
  expect(ddbMock.commandCalls(GetItemCommand)[0].args[0].input).toEqual({
    TableName: 'pending',
    Key: { id: { S: request.id } },
    ConsistentRead: true,
  });
  expect(ddbMock.commandCalls(DeleteItemCommand)[0].args[0].input).toEqual({
    TableName: 'pending',
    Key: { id: { S: request.id } },
  });
});

test('a build is recorded once, on an existing item only', async () => {
  await store.setBuild(request.id, 'p:1');
  expect(ddbMock.commandCalls(UpdateItemCommand)[0].args[0].input).toMatchObject({
    Key: { id: { S: request.id } },
    UpdateExpression: 'SET buildId = :b',
    ConditionExpression: 'attribute_exists(id) AND (attribute_not_exists(buildId) OR buildId = :b)',
    ExpressionAttributeValues: { ':b': { S: 'p:1' } },
  });
});

test('the lookup by build id queries the index, then reads the item itself', async () => {
  ddbMock.on(QueryCommand).resolves({ Items: [{ id: { S: request.id }, buildId: { S: 'p:1' } }] });
  ddbMock.on(GetItemCommand).resolves({ Item: toItem({ ...request, buildId: 'p:1' }) });
  expect(await store.findByBuild('p:1')).toEqual({ ...request, buildId: 'p:1' });
  expect(ddbMock.commandCalls(QueryCommand)[0].args[0].input).toMatchObject({
    IndexName: BUILD_INDEX,
    KeyConditionExpression: 'buildId = :b',
    ExpressionAttributeValues: { ':b': { S: 'p:1' } },
  });
  ddbMock.on(QueryCommand).resolves({ Items: [] });
  expect(await store.findByBuild('p:2')).toBeUndefined();
});
