/**
 * Creates a channel's idempotency table on a local emulator as its template declares it (key schema,
 * attribute definitions, time to live), so `npm start`, the integration tests and the benchmark never drift
 * from what the stack creates.
 */
import {
  type AttributeDefinition,
  CreateTableCommand,
  type DynamoDBClient,
  type KeySchemaElement,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { Template } from './cfn-yaml';

type TableProperties = {
  KeySchema: KeySchemaElement[];
  AttributeDefinitions: AttributeDefinition[];
  TimeToLiveSpecification?: { AttributeName: string; Enabled: boolean };
};

export async function createIdempotencyTable(
  ddb: DynamoDBClient,
  tableName: string,
  template: Template,
): Promise<string> {
  const props = template.Resources.IdempotencyTable?.Properties as TableProperties | undefined;
  if (!props) throw new Error('the template has no IdempotencyTable resource');
  await ddb.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: props.KeySchema,
      AttributeDefinitions: props.AttributeDefinitions,
    }),
  );
  if (props.TimeToLiveSpecification) {
    await ddb.send(
      new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: props.TimeToLiveSpecification }),
    );
  }
  return tableName;
}
