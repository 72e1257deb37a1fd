/**
 * Reads and writes of the runs ledger (ledger.ts) over DynamoDB. Every write that must happen once is a
 * conditional put: a run per request id and condition, a missed slot per job and slot, a registration per job and
 * owning stack. Shared by the recorder, the watchdog, the registrar, the CLI and the simulator.
 */
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  jobPk,
  type LedgerEntry,
  type MissedItem,
  missedSk,
  REGISTRY_PK,
  type Registration,
  type RunItem,
  TIME_INDEX,
  WATCHDOG_KEY,
  type WatchdogState,
} from './ledger';

export type PutOutcome<T> = { created: true } | { created: false; existing: T | undefined };

export type LedgerStore = {
  putRun(item: RunItem): Promise<PutOutcome<RunItem>>;
  putMissed(item: MissedItem): Promise<PutOutcome<MissedItem>>;
  /**
   * Claims the right to announce a run or missed item: true for the one caller that may put its event now (the
   * item is not yet notified and no other claim is younger than `leaseMs`). A claimant that dies leaves the claim
   * to expire, so a later caller announces it.
   */
  claimNotification(entry: Pick<LedgerEntry, 'pk' | 'sk'>, now: Date, leaseMs: number): Promise<boolean>;
  /** Gives a claim up (its event could not be put), so the next caller may announce the item at once. */
  releaseClaim(entry: Pick<LedgerEntry, 'pk' | 'sk'>): Promise<void>;
  /** Sets the outbox flag of a run or missed item once its event is on the bus. */
  markNotified(entry: Pick<LedgerEntry, 'pk' | 'sk'>): Promise<void>;
  /** A job's runs and missed slots with t >= fromT, oldest first. */
  entriesSince(job: string, fromT: string): Promise<LedgerEntry[]>;
  /** A job's newest runs and missed slots, newest first. */
  recentEntries(job: string, limit: number): Promise<LedgerEntry[]>;
  /** A job's missed slots at or after `fromSlot` (ISO), oldest first. */
  missedSince(job: string, fromSlot: string): Promise<MissedItem[]>;
  listRegistrations(): Promise<Registration[]>;
  getRegistration(job: string): Promise<Registration | undefined>;
  /** Writes the registration unless another stack owns the job; returns false when it does. */
  putRegistration(registration: Registration): Promise<boolean>;
  /** Deletes the registration if `stackId` owns it; returns whether it did. */
  deleteRegistration(job: string, stackId: string): Promise<boolean>;
  getWatchdogState(): Promise<WatchdogState | undefined>;
  putWatchdogState(state: WatchdogState): Promise<void>;
};

const isConditionFailure = (e: unknown) =>
  e instanceof ConditionalCheckFailedException || (e as { name?: string })?.name === 'ConditionalCheckFailedException';

export function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

export function createLedgerStore(client: DynamoDBClient, tableName: string): LedgerStore {
  const doc = documentClient(client);
  const TableName = tableName;

  async function putOnce<T extends { pk: string; sk: string }>(item: T): Promise<PutOutcome<T>> {
    try {
      await doc.send(new PutCommand({ TableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
      return { created: true };
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      const existing = await doc.send(
        new GetCommand({ TableName, Key: { pk: item.pk, sk: item.sk }, ConsistentRead: true }),
      );
      return { created: false, existing: existing.Item as T | undefined };
    }
  }

  async function queryAll(
    input: QueryCommandInput,
    limit = Number.POSITIVE_INFINITY,
  ): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(
        new QueryCommand({
          ...input,
          ExclusiveStartKey,
          ...(Number.isFinite(limit) ? { Limit: Math.min(1000, limit - out.length) } : {}),
        }),
      );
      out.push(...((page.Items ?? []) as Record<string, unknown>[]));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey && out.length < limit);
    return out;
  }

  return {
    putRun: (item) => putOnce(item),
    putMissed: (item) => putOnce(item),
    async claimNotification({ pk, sk }, now, leaseMs) {
      try {
        await doc.send(
          new UpdateCommand({
            TableName,
            Key: { pk, sk },
            UpdateExpression: 'SET claimedUntil = :until',
            ConditionExpression: 'notified = :f AND (attribute_not_exists(claimedUntil) OR claimedUntil < :now)',
            ExpressionAttributeValues: {
              ':f': false,
              ':now': now.toISOString(),
              ':until': new Date(now.getTime() + leaseMs).toISOString(),
            },
          }),
        );
        return true;
      } catch (e) {
        if (isConditionFailure(e)) return false;
        throw e;
      }
    },
    async releaseClaim({ pk, sk }) {
      await doc.send(new UpdateCommand({ TableName, Key: { pk, sk }, UpdateExpression: 'REMOVE claimedUntil' }));
    },
    async markNotified({ pk, sk }) {
      await doc.send(
        new UpdateCommand({
          TableName,
          Key: { pk, sk },
          UpdateExpression: 'SET notified = :t',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':t': true },
        }),
      );
    },
    async entriesSince(job, fromT) {
      return (await queryAll({
        TableName,
        IndexName: TIME_INDEX,
        KeyConditionExpression: 'pk = :pk AND t >= :t',
        ExpressionAttributeValues: { ':pk': jobPk(job), ':t': fromT },
      })) as LedgerEntry[];
    },
    async recentEntries(job, limit) {
      return (await queryAll(
        {
          TableName,
          IndexName: TIME_INDEX,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': jobPk(job) },
          ScanIndexForward: false,
        },
        limit,
      )) as LedgerEntry[];
    },
    async missedSince(job, fromSlot) {
      return (await queryAll({
        TableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': jobPk(job), ':from': missedSk(fromSlot), ':to': `${missedSk('')}~` },
      })) as MissedItem[];
    },
    async listRegistrations() {
      return (await queryAll({
        TableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': REGISTRY_PK },
      })) as Registration[];
    },
    async getRegistration(job) {
      const r = await doc.send(new GetCommand({ TableName, Key: { pk: REGISTRY_PK, sk: job } }));
      return r.Item as Registration | undefined;
    },
    async putRegistration(registration) {
      try {
        await doc.send(
          new PutCommand({
            TableName,
            Item: registration,
            ConditionExpression: 'attribute_not_exists(pk) OR stackId = :stack',
            ExpressionAttributeValues: { ':stack': registration.stackId },
          }),
        );
        return true;
      } catch (e) {
        if (isConditionFailure(e)) return false;
        throw e;
      }
    },
    async deleteRegistration(job, stackId) {
      try {
        await doc.send(
          new DeleteCommand({
            TableName,
            Key: { pk: REGISTRY_PK, sk: job },
            ConditionExpression: 'stackId = :stack',
            ExpressionAttributeValues: { ':stack': stackId },
          }),
        );
        return true;
      } catch (e) {
        if (isConditionFailure(e)) return false;
        throw e;
      }
    },
    async getWatchdogState() {
      const r = await doc.send(new GetCommand({ TableName, Key: { ...WATCHDOG_KEY }, ConsistentRead: true }));
      return r.Item as WatchdogState | undefined;
    },
    async putWatchdogState(state) {
      await doc.send(new PutCommand({ TableName, Item: state }));
    },
  };
}
