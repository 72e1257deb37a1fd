/**
 * The floor of an at-most-once webhook post: the bare POST between the two DynamoDB writes of an idempotency
 * record (see idempotency-floor.ts). The warm target for the webhook is against this floor.
 */
import { once } from './idempotency-floor';
import { post, type WebhookBaselineOptions } from './webhook';

export type WebhookFloorOptions = WebhookBaselineOptions & { table: string; keyPrefix: string };

export function bench(options: WebhookFloorOptions): (i: number) => Promise<void> {
  const url = new URL(options.url);
  return (i) =>
    once(options.table, `${options.keyPrefix}-${i}`, 7 * 24 * 3600, async () => {
      const status = await post(url, options.body);
      if (status < 200 || status >= 300) throw new Error(`the webhook answered ${status}`);
      return String(status);
    });
}
