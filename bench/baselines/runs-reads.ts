/**
 * The DynamoDB calls a watchdog tick cannot avoid, written out bare: read the watermark, list the registrations,
 * query each job's recent entries on the byTime index (as many in flight as the watchdog allows), write the new
 * watermark. The watchdog against this is what judging the slots and the rest of its code cost.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });

async function queryAll(input: ConstructorParameters<typeof QueryCommand>[0]) {
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(new QueryCommand({ ...input, ExclusiveStartKey }));
    items.push(...((page.Items ?? []) as Record<string, unknown>[]));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

export function bench(options: { table: string; fromT: string; concurrency: number; now: string }) {
  const TableName = options.table;
  return async () => {
    await doc.send(new GetCommand({ TableName, Key: { pk: 'WATCHDOG', sk: 'STATE' }, ConsistentRead: true }));
    const jobs = await queryAll({
      TableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'JOBS' },
    });
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < jobs.length; i = next++) {
        await queryAll({
          TableName,
          IndexName: 'byTime',
          KeyConditionExpression: 'pk = :pk AND t >= :t',
          ExpressionAttributeValues: { ':pk': `JOB#${jobs[i].job}`, ':t': options.fromT },
        });
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    await doc.send(
      new PutCommand({
        TableName,
        Item: { pk: 'WATCHDOG', sk: 'STATE', checkedUntil: options.now, updatedAt: options.now },
      }),
    );
  };
}
