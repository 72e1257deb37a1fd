/**
 * The floor of an at-most-once email: the bare SendEmail between the two DynamoDB writes of an idempotency
 * record (see idempotency-floor.ts). Not a cold-start baseline: it shows what the warm per-message figure of the
 * email function is made of.
 */
import { SESv2Client, SendEmailCommand, type SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import { once } from './idempotency-floor';

const ses = new SESv2Client({ maxAttempts: 5 });

export type EmailFloorOptions = { input: SendEmailCommandInput; table: string; keyPrefix: string };

export function bench(options: EmailFloorOptions): (i: number) => Promise<void> {
  return (i) =>
    once(options.table, `${options.keyPrefix}-${i}`, 7 * 24 * 3600, async () => {
      const out = await ses.send(new SendEmailCommand(options.input));
      if (!out.MessageId) throw new Error('SendEmail answered without a MessageId');
      return out.MessageId;
    });
}
