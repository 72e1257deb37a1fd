/**
 * Baseline for the email function: the SES v2 client alone, created at module scope with the function's settings,
 * and one bare SendEmail per message.
 */
import { SESv2Client, SendEmailCommand, type SendEmailCommandInput } from '@aws-sdk/client-sesv2';

const ses = new SESv2Client({ maxAttempts: 5 });

export type EmailBaselineOptions = { input: SendEmailCommandInput };

/** One bare SendEmail per call. */
export function bench(options: EmailBaselineOptions): (i: number) => Promise<void> {
  return async () => {
    const out = await ses.send(new SendEmailCommand(options.input));
    if (!out.MessageId) throw new Error('SendEmail answered without a MessageId');
  };
}
