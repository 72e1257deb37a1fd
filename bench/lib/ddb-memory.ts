/**
 * A DynamoDB client that answers in this process, in constant time per request, the calls `cloud-cron jobs apply`
 * makes: Query on the byList index, GetItem, and the TransactWriteItems of the shared store's putJob (Update with
 * SET/REMOVE, `if_not_exists`, and the `attribute_not_exists(pk)` / `version = :v` conditions). It exists because
 * moto's TransactWriteItems deep-copies every table it touches on every call (moto/dynamodb/models
 * transact_write_items), so on moto the time of a write grows with the table and a 10,000-job apply would measure
 * moto, not the CLI. Real DynamoDB answers these requests in constant time; the benchmark counts them too.
 *
 * Anything else (or an expression this does not understand) throws, so the stand-in cannot silently differ.
 */
import { Readable } from 'node:stream';
import { type AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';

type Item = Record<string, AttributeValue>;

const keyOf = (k: Item) => `${k.pk?.S}\u0000${k.sk?.S}`;

function setExpression(item: Item, expr: string, names: Record<string, string>, values: Item): Item {
  const out: Item = { ...item };
  const name = (n: string) => names[n] ?? n;
  const m = /^\s*(?:SET\s+(.*?))?\s*(?:REMOVE\s+(.*))?$/s.exec(expr);
  if (!m) throw new Error(`update expression not understood: ${expr}`);
  if (m[1]) {
    for (const part of m[1].split(/,\s*(?![^()]*\))/)) {
      const a = /^\s*(#?\w+)\s*=\s*(.+?)\s*$/.exec(part);
      if (!a) throw new Error(`SET clause not understood: ${part}`);
      const target = name(a[1]);
      const f = /^if_not_exists\(\s*(#?\w+)\s*,\s*(:\w+)\s*\)$/.exec(a[2]);
      if (f) out[target] = item[name(f[1])] ?? values[f[2]];
      else if (/^:\w+$/.test(a[2])) out[target] = values[a[2]];
      else throw new Error(`SET value not understood: ${a[2]}`);
    }
  }
  if (m[2]) for (const n of m[2].split(',')) delete out[name(n.trim())];
  return out;
}

function conditionHolds(item: Item | undefined, expr: string | undefined, values: Item): boolean {
  if (!expr) return true;
  if (expr === 'attribute_not_exists(pk)') return item === undefined;
  const v = /^version = (:\w+)$/.exec(expr);
  if (v) return item?.version?.N === values[v[1]]?.N;
  throw new Error(`condition not understood: ${expr}`);
}

type Request = { headers: Record<string, string>; body?: unknown };

/**
 * A client over an in-memory table, with the number of requests it answered by operation. The whole SDK stack
 * runs (serialization, signing, the document client's marshalling); only the HTTP exchange is replaced.
 */
export function memoryDynamoDB(): { client: DynamoDBClient; requests: Record<string, number> } {
  const items = new Map<string, Item>();
  const requests: Record<string, number> = {};
  const answer = (target: string, input: Record<string, unknown>): unknown => {
    requests[target] = (requests[target] ?? 0) + 1;
    if (target === 'GetItem') {
      const item = items.get(keyOf(input.Key as Item));
      return item ? { Item: item } : {};
    }
    if (target === 'Query') {
      if (input.IndexName !== 'byList') throw new Error(`query of ${input.IndexName ?? 'the table'} not supported`);
      const lpk = (input.ExpressionAttributeValues as Item)[':p'].S;
      const found = [...items.values()].filter((i) => i.lpk?.S === lpk);
      return { Items: found, Count: found.length, ScannedCount: found.length };
    }
    if (target === 'TransactWriteItems') {
      const staged: [string, Item][] = [];
      for (const t of input.TransactItems as Record<string, Record<string, unknown>>[]) {
        const u = t.Update as
          | {
              Key: Item;
              UpdateExpression: string;
              ConditionExpression?: string;
              ExpressionAttributeNames?: Record<string, string>;
              ExpressionAttributeValues?: Item;
            }
          | undefined;
        if (!u) throw new Error(`transaction operation ${Object.keys(t)[0]} not supported`);
        const k = keyOf(u.Key);
        const values = u.ExpressionAttributeValues ?? {};
        const current = items.get(k);
        if (!conditionHolds(current, u.ConditionExpression, values)) return { cancelled: true };
        staged.push([
          k,
          setExpression(current ?? { ...u.Key }, u.UpdateExpression, u.ExpressionAttributeNames ?? {}, values),
        ]);
      }
      for (const [k, item] of staged) items.set(k, item);
      return {};
    }
    throw new Error(`${target} is not answered by bench/lib/ddb-memory.ts`);
  };
  const client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: 'http://dynamodb.memory.invalid',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
    requestHandler: {
      async handle(request: Request) {
        const target = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
        const raw = request.body;
        const text0 =
          raw instanceof Uint8Array
            ? Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8')
            : typeof raw === 'string'
              ? raw
              : '{}';
        const body = JSON.parse(text0) as Record<string, unknown>;
        const out = answer(target, body) as { cancelled?: boolean };
        const failed = out.cancelled === true;
        const text = JSON.stringify(
          failed
            ? {
                __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
                message: 'Transaction cancelled',
              }
            : out,
        );
        return {
          // An HttpResponse by shape (the SDK checks the shape, not the class).
          response: {
            statusCode: failed ? 400 : 200,
            reason: failed ? 'Bad Request' : 'OK',
            headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'memory' },
            body: Readable.from([Buffer.from(text)]),
          },
        };
      },
    } as never,
  });
  return { client, requests };
}
