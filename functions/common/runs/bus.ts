/**
 * Puts the Runs app's events on its bus. PutEvents answers 200 even when an entry was refused
 * (FailedEntryCount): a refusal is thrown, so the caller's outbox flag stays unset and the work is retried.
 */
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CloudCronError } from '../errors';
import type { BusEntry } from './events';

export class BusPutError extends CloudCronError {
  override name = 'BusPutError';
}

export type Bus = { put(entries: BusEntry[]): Promise<void> };

export function createBus(client: EventBridgeClient): Bus {
  return {
    async put(entries) {
      for (let i = 0; i < entries.length; i += 10) {
        const batch = entries.slice(i, i + 10);
        const r = await client.send(new PutEventsCommand({ Entries: batch }));
        if (r.FailedEntryCount) {
          const failed = (r.Entries ?? []).find((e) => e.ErrorCode);
          throw new BusPutError(
            `EventBridge refused ${r.FailedEntryCount} of ${batch.length} event(s) on ${batch[0].EventBusName}: ${failed?.ErrorCode ?? 'unknown'} ${failed?.ErrorMessage ?? ''}`.trim(),
          );
        }
      }
    },
  };
}
