/**
 * What the burst tests stand on: the channels' idempotency records (functions/common/idempotency.ts, Powertools on
 * DynamoDB) let one of several concurrent deliveries of a message do the work, because DynamoDB's conditional
 * write is atomic. moto_server is threaded and checks a condition and writes the item without a lock in between, so
 * two concurrent INPROGRESS puts of one key could both succeed there and both deliveries send: a duplicate only the
 * emulator makes. tooling/moto_server.py serves DynamoDB requests one at a time; this test holds it to that.
 * Without that lock it fails on most runs (several keys run twice); with it, never.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { createIdempotency } from '../../../functions/common/idempotency';
import { type Moto, startMoto } from '../../../tooling/moto';
import { createTable } from '../webhook/harness';

const KEYS = 100;
const DELIVERIES = 8;

let moto: Moto;

beforeAll(async () => {
  moto = await startMoto();
}, 60000);

afterAll(async () => {
  await moto?.stop();
});

test('concurrent deliveries of one key: the work runs exactly once per key', async () => {
  const table = await createTable(moto, 'atomic-writes');
  const idempotency = createIdempotency(table, 3600, {
    keyPrefix: 'atomic',
    client: new DynamoDBClient(moto.client),
  });
  idempotency.registerContext({ getRemainingTimeInMillis: () => 120_000 } as Context);
  const runs = new Map<string, number>();
  const outcomes = await Promise.allSettled(
    Array.from({ length: KEYS }, (_, k) => `message-${k}`).flatMap((key) =>
      Array.from({ length: DELIVERIES }, () =>
        idempotency.once(key, async () => {
          runs.set(key, (runs.get(key) ?? 0) + 1);
          return { ok: true };
        }),
      ),
    ),
  );
  const twice = [...runs].filter(([, n]) => n > 1).map(([key]) => key);
  expect({ keysRunTwice: twice, keysRun: runs.size }).toEqual({ keysRunTwice: [], keysRun: KEYS });
  // The others found the record in progress (or completed, and returned its result): nothing else went wrong.
  const errors = outcomes.flatMap((o) => (o.status === 'rejected' ? [(o.reason as Error).name] : []));
  expect(errors.filter((name) => name !== 'IdempotencyAlreadyInProgressError')).toEqual([]);
}, 120000);
