/**
 * Baseline for the SMS function: the official twilio client alone (`import twilio from 'twilio'`, its own axios
 * transport), and one bare `messages.create` per message. There is no base-URL option: `client.api.baseUrl`
 * points the client at the local stand-in, as the package documents for its domains.
 */
import twilio from 'twilio';

export type SmsBaselineOptions = {
  accountSid: string;
  authToken: string;
  baseUrl: string;
  from: string;
  to: string;
  body: string;
  timeoutMs: number;
};

export function createMessages(options: SmsBaselineOptions) {
  const client = twilio(options.accountSid, options.authToken, { timeout: options.timeoutMs });
  client.api.baseUrl = options.baseUrl;
  return client.messages;
}

/** One bare messages.create per call. */
export function bench(options: SmsBaselineOptions): (i: number) => Promise<void> {
  const messages = createMessages(options);
  return async () => {
    const message = await messages.create({ to: options.to, from: options.from, body: options.body });
    if (!message.sid) throw new Error('messages.create answered without a sid');
  };
}
