/**
 * The floor of an at-most-once SMS: the bare twilio `messages.create` between the two DynamoDB writes of an
 * idempotency record (see idempotency-floor.ts). Not a cold-start baseline.
 */
import { once } from './idempotency-floor';
import { createMessages, type SmsBaselineOptions } from './sms';

export type SmsFloorOptions = SmsBaselineOptions & { table: string; keyPrefix: string };

export function bench(options: SmsFloorOptions): (i: number) => Promise<void> {
  const messages = createMessages(options);
  return (i) =>
    once(options.table, `${options.keyPrefix}-${i}`, 7 * 24 * 3600, async () => {
      const message = await messages.create({ to: options.to, from: options.from, body: options.body });
      if (!message.sid) throw new Error('messages.create answered without a sid');
      return message.sid;
    });
}
