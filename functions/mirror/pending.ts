/**
 * Pending CloudFormation requests, kept while their copy build runs, where only the mirror function can read them.
 *
 * One DynamoDB item per request, keyed by an opaque id (the only thing the build carries), with the build's id as
 * a sparse global secondary index, so a build's end finds its request even when the event lacks the id. The table's
 * resource policy denies every other principal the item actions (template-mirror.yaml, PendingRequests), items
 * expire by TTL, and the function deletes each item once it has answered.
 */
import { createHash } from 'node:crypto';
import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { PendingRequestError } from './errors';

/** Everything the answer needs, chosen by the function before the build started; nothing comes from the build. */
export type PendingRequest = {
  id: string;
  buildId?: string;
  requestType: 'Create' | 'Update';
  responseUrl: string;
  stackId: string;
  requestId: string;
  logicalResourceId: string;
  /** The id to answer with on success (the digest-pinned destination image). */
  physicalResourceId: string;
  /** The id to answer with on failure: the previous one on Update, a placeholder on Create. */
  failurePhysicalResourceId: string;
  /** The destination repository URI and the digest the function resolved, and the tag to report. */
  destRepository: string;
  imageDigest: string;
  destTag: string;
  createdAt: number;
  /** Epoch seconds after which DynamoDB's TTL removes an item nobody answered. */
  expiresAt: number;
};

export interface PendingStore {
  put(request: PendingRequest, signal?: AbortSignal): Promise<void>;
  setBuild(id: string, buildId: string, signal?: AbortSignal): Promise<void>;
  get(id: string, signal?: AbortSignal): Promise<PendingRequest | undefined>;
  findByBuild(buildId: string, signal?: AbortSignal): Promise<PendingRequest | undefined>;
  remove(id: string, signal?: AbortSignal): Promise<void>;
}

/** The index of items by build id (template-mirror.yaml). */
export const BUILD_INDEX = 'byBuild';

/** How long an unanswered item lives: CloudFormation's wait (ServiceTimeout 3600 s) plus an hour. */
export const PENDING_TTL_SECONDS = 7200;

/**
 * The opaque id of a request: a hash of the stack, request and resource ids, so a retried invocation of the same
 * request finds the same item and (with StartBuild's idempotency token) the same build. It reveals nothing.
 */
export function pendingId(stackId: string, requestId: string, logicalResourceId: string): string {
  return createHash('sha256').update(`${stackId}\n${requestId}\n${logicalResourceId}`).digest('hex').slice(0, 32);
}

const STRING_FIELDS = [
  'id',
  'buildId',
  'requestType',
  'responseUrl',
  'stackId',
  'requestId',
  'logicalResourceId',
  'physicalResourceId',
  'failurePhysicalResourceId',
  'destRepository',
  'imageDigest',
  'destTag',
] as const;
const NUMBER_FIELDS = ['createdAt', 'expiresAt'] as const;

export function toItem(request: PendingRequest): Record<string, AttributeValue> {
  const item: Record<string, AttributeValue> = {};
  for (const f of STRING_FIELDS) {
    const v = request[f];
    if (v !== undefined) item[f] = { S: v };
  }
  for (const f of NUMBER_FIELDS) item[f] = { N: String(request[f]) };
  return item;
}

export function fromItem(item: Record<string, AttributeValue> | undefined): PendingRequest | undefined {
  if (!item) return undefined;
  const out: Record<string, unknown> = {};
  for (const f of STRING_FIELDS) if (item[f]?.S !== undefined) out[f] = item[f].S;
  for (const f of NUMBER_FIELDS) if (item[f]?.N !== undefined) out[f] = Number(item[f].N);
  const missing = STRING_FIELDS.filter((f) => f !== 'buildId' && out[f] === undefined);
  if (missing.length || (out.requestType !== 'Create' && out.requestType !== 'Update')) {
    throw new PendingRequestError(`pending request ${String(out.id)} is incomplete (missing ${missing.join(', ')})`);
  }
  return out as PendingRequest;
}

export function dynamoPendingStore(ddb: DynamoDBClient, table: string): PendingStore {
  const opts = (signal?: AbortSignal) => (signal ? { abortSignal: signal } : {});
  return {
    async put(request, signal) {
      await ddb.send(new PutItemCommand({ TableName: table, Item: toItem(request) }), opts(signal));
    },
    async setBuild(id, buildId, signal) {
      await ddb.send(
        new UpdateItemCommand({
          TableName: table,
          Key: { id: { S: id } },
          UpdateExpression: 'SET buildId = :b',
          // Only the item that exists, and only once: a second build can never take over a request.
          ConditionExpression: 'attribute_exists(id) AND (attribute_not_exists(buildId) OR buildId = :b)',
          ExpressionAttributeValues: { ':b': { S: buildId } },
        }),
        opts(signal),
      );
    },
    async get(id, signal) {
      const out = await ddb.send(
        new GetItemCommand({ TableName: table, Key: { id: { S: id } }, ConsistentRead: true }),
        opts(signal),
      );
      return fromItem(out.Item);
    },
    async findByBuild(buildId, signal) {
      const out = await ddb.send(
        new QueryCommand({
          TableName: table,
          IndexName: BUILD_INDEX,
          KeyConditionExpression: 'buildId = :b',
          ExpressionAttributeValues: { ':b': { S: buildId } },
          Limit: 2,
        }),
        opts(signal),
      );
      // The index projects keys only: read the item itself, consistently.
      const id = out.Items?.[0]?.id?.S;
      return id ? this.get(id, signal) : undefined;
    },
    async remove(id, signal) {
      await ddb.send(new DeleteItemCommand({ TableName: table, Key: { id: { S: id } } }), opts(signal));
    },
  };
}
