/**
 * The one DynamoDB write the recorder needs per destination record, written out bare: the conditional PutItem of
 * the run's ledger item (the same item the recorder builds, through the same DocumentClient settings). The
 * recorder against this is what reading the record and the rest of its code cost.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });

export function bench(options: { table: string; item: Record<string, unknown>; prefix: string }) {
  return async (i: number | string) => {
    const requestId = `${options.prefix}-${i}`;
    await doc.send(
      new PutCommand({
        TableName: options.table,
        Item: { ...options.item, sk: `RUN#${requestId}#Success`, t: `${options.item.endedAt}#${requestId}`, requestId },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  };
}
