/**
 * The DynamoDB round trips an at-most-once send cannot avoid, written out bare: the conditional PutItem that
 * claims the key (INPROGRESS) and the UpdateItem that records the result (COMPLETED), with the same expressions
 * Powertools Idempotency's DynamoDBPersistenceLayer sends. Used to show what the idempotency round trips cost on
 * their own, next to the functions (which do the same through Powertools).
 */
import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';

const ddb = new DynamoDBClient({});

export async function once(table: string, key: string, ttlSeconds: number, work: () => Promise<string>): Promise<void> {
  const now = Date.now();
  const expiry = Math.floor(now / 1000) + ttlSeconds;
  await ddb.send(
    new PutItemCommand({
      TableName: table,
      Item: {
        id: { S: key },
        expiration: { N: String(expiry) },
        status: { S: 'INPROGRESS' },
        in_progress_expiration: { N: String(now + 30000) },
      },
      ExpressionAttributeNames: {
        '#id': 'id',
        '#expiry': 'expiration',
        '#in_progress_expiry': 'in_progress_expiration',
        '#status': 'status',
      },
      ExpressionAttributeValues: {
        ':now': { N: String(now / 1000) },
        ':now_in_millis': { N: String(now) },
        ':inprogress': { S: 'INPROGRESS' },
      },
      ConditionExpression:
        'attribute_not_exists(#id) OR #expiry < :now OR (#status = :inprogress AND attribute_exists(#in_progress_expiry) AND #in_progress_expiry < :now_in_millis)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    }),
  );
  const result = await work();
  await ddb.send(
    new UpdateItemCommand({
      TableName: table,
      Key: { id: { S: key } },
      UpdateExpression: 'SET #expiry = :expiry, #status = :status, #response_data = :response_data',
      ExpressionAttributeNames: { '#expiry': 'expiration', '#status': 'status', '#response_data': 'data' },
      ExpressionAttributeValues: {
        ':expiry': { N: String(expiry) },
        ':status': { S: 'COMPLETED' },
        ':response_data': { M: { result: { S: result } } },
      },
    }),
  );
}
