/**
 * Puts the Runs app's events on its bus. PutEvents answers 200 even when an entry was refused
 * (FailedEntryCount): a refusal is thrown, so the caller's outbox flag stays unset and the work is retried.
 */
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CloudCronError } from '../errors';
import type { BusEntry } from './events';
import { NOTIFY_LEASE_MS } from './ledger';
import type { LedgerStore } from './store';

export class BusPutError extends CloudCronError {
  override name = 'BusPutError';
}

export type Bus = { put(entries: BusEntry[]): Promise<void> };

/**
 * Announces ledger items through the outbox: claims each, puts the claimed ones' events, sets their flags. When the
 * put fails the claims are released (so a retry announces them at once) and the error is thrown. Returns the items
 * it announced; an item claimed by someone else is left to them.
 */
export async function announce<T extends { pk: string; sk: string }>(
  items: T[],
  deps: {
    store: Pick<LedgerStore, 'claimNotification' | 'releaseClaim' | 'markNotified'>;
    bus: Bus;
    now: Date;
    entry: (item: T) => BusEntry;
  },
): Promise<T[]> {
  const claimed: T[] = [];
  for (const item of items) if (await deps.store.claimNotification(item, deps.now, NOTIFY_LEASE_MS)) claimed.push(item);
  if (claimed.length === 0) return claimed;
  try {
    await deps.bus.put(claimed.map(deps.entry));
  } catch (e) {
    for (const item of claimed) await deps.store.releaseClaim(item).catch(() => undefined);
    throw e;
  }
  for (const item of claimed) await deps.store.markNotified(item);
  return claimed;
}

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
