/**
 * Runs watchdog: on its schedule, records and announces every expected run that did not happen. Wiring only; the
 * work is in watchdog.ts. See docs/runs.md.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { createBus } from '../common/runs/bus';
import { createLedgerStore } from '../common/runs/store';
import { loadConfig } from './config';
import { createWatchdog } from './watchdog';

const config = loadConfig();
const logger = new Logger({ serviceName: 'cloud-cron-runs-watchdog' });
const timeouts = { requestHandler: { connectionTimeout: 3000, requestTimeout: 5000 }, maxAttempts: 4 };

const tick = createWatchdog({
  store: createLedgerStore(new DynamoDBClient(timeouts), config.tableName),
  bus: createBus(new EventBridgeClient(timeouts)),
  busName: config.busName,
  retentionDays: config.retentionDays,
  concurrency: config.concurrency,
  clock: () => new Date(),
  log: {
    info: (m, e) => logger.info(m, e ?? {}),
    warn: (m, e) => logger.warn(m, e ?? {}),
    error: (m, e) => logger.error(m, e ?? {}),
  },
});

export const handler = async (event: unknown) => tick(event);
