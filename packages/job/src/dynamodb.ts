/**
 * A RunStore on a DynamoDB table, through the caller's own DynamoDB client and command classes (this library depends
 * on the SNS client only). The table: partition key `id` (String), Time to Live on `expiresAt`. The job's role
 * needs dynamodb:PutItem, GetItem and DeleteItem on it (ManagedPolicyArns of the scheduled job).
 *
 *   import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
 *   const store = dynamoDbStore({ client: new DynamoDBClient({}), tableName: 'nightly-report-runs',
 *                                 commands: { PutItemCommand, GetItemCommand, DeleteItemCommand } });
 */
import type { RunRecord, RunStore } from './once';

type AttributeValue = { S?: string; N?: string };
type Item = Record<string, AttributeValue>;

/** The few inputs the store sends, in DynamoDB's low-level shape. */
export type PutItemInput = {
  TableName: string;
  Item: Item;
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Item;
};
export type GetItemInput = { TableName: string; Key: Item; ConsistentRead?: boolean };
export type DeleteItemInput = {
  TableName: string;
  Key: Item;
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Item;
};

export type DynamoDbStoreOptions = {
  /** A DynamoDBClient (anything with the SDK's `send`). */
  client: { send(command: never): Promise<unknown> };
  tableName: string;
  /** The command classes of @aws-sdk/client-dynamodb. */
  commands: {
    PutItemCommand: new (input: never) => unknown;
    GetItemCommand: new (input: never) => unknown;
    DeleteItemCommand: new (input: never) => unknown;
  };
  /** Partition key attribute name. Default `id`. */
  keyAttribute?: string;
};

const isConditionFailure = (e: unknown) => (e as { name?: string })?.name === 'ConditionalCheckFailedException';

function toItem(key: string, keyAttribute: string, record: RunRecord): Item {
  return {
    [keyAttribute]: { S: key },
    status: { S: record.status },
    expiresAt: { N: String(record.expiresAt) },
    ...(record.result === undefined ? {} : { result: { S: record.result } }),
  };
}

function fromItem(item: Item | undefined): RunRecord | undefined {
  if (!item?.status?.S || !item.expiresAt?.N) return undefined;
  const status = item.status.S === 'COMPLETED' ? 'COMPLETED' : 'IN_PROGRESS';
  return { status, expiresAt: Number(item.expiresAt.N), ...(item.result?.S ? { result: item.result.S } : {}) };
}

export function dynamoDbStore(options: DynamoDbStoreOptions): RunStore {
  const { client, tableName: TableName, commands } = options;
  const id = options.keyAttribute ?? 'id';
  const send = (command: unknown) => client.send(command as never);
  // The SDK's own input types are unions this library cannot name without depending on it: the inputs below are
  // typed by the local shapes, then handed over.
  const put = (input: PutItemInput) => new commands.PutItemCommand(input as never);
  const get = (input: GetItemInput) => new commands.GetItemCommand(input as never);
  const remove = (input: DeleteItemInput) => new commands.DeleteItemCommand(input as never);
  return {
    async claim(key, record, now) {
      try {
        await send(
          put({
            TableName,
            Item: toItem(key, id, record),
            // Free when no record exists, or the one there has expired (TTL deletes lazily, up to days later).
            ConditionExpression: 'attribute_not_exists(#id) OR #expiresAt <= :now',
            ExpressionAttributeNames: { '#id': id, '#expiresAt': 'expiresAt' },
            ExpressionAttributeValues: { ':now': { N: String(now) } },
          }),
        );
        return undefined;
      } catch (e) {
        if (!isConditionFailure(e)) throw e;
      }
      const got = (await send(get({ TableName, Key: { [id]: { S: key } }, ConsistentRead: true }))) as {
        Item?: Item;
      };
      // Deleted between the two calls (a failed run released it): report it as still running; the retry comes back.
      return fromItem(got.Item) ?? { status: 'IN_PROGRESS', expiresAt: now + 1 };
    },
    async complete(key, record) {
      await send(put({ TableName, Item: toItem(key, id, record) }));
    },
    async release(key) {
      try {
        await send(
          remove({
            TableName,
            Key: { [id]: { S: key } },
            ConditionExpression: '#status = :inProgress',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':inProgress': { S: 'IN_PROGRESS' } },
          }),
        );
      } catch (e) {
        if (!isConditionFailure(e)) throw e;
      }
    },
  };
}
