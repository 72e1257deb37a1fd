/**
 * The SMS function's configuration table (see common/config.ts): each environment variable, the template
 * parameter that sets it, and its validation. Read and checked once at init; every failure names the variable and
 * the parameter behind it.
 */
import { parse, readSettings, type Setting } from '../common/config';
import { ConfigurationError } from '../common/errors';

type Env = Record<string, string | undefined>;

/** Who the message comes from: exactly one of a sender (number, short code, alphanumeric id) or a Messaging Service. */
export type Sender = { from: string } | { messagingServiceSid: string };

export type SmsConfig = {
  secretArn: string;
  sender: Sender;
  recipients: string[];
  /** Handlebars source, or undefined for the built-in default (subject, then the message). */
  template: string | undefined;
  idempotencyTable: string;
  /** Per-request timeout of the Twilio client, in milliseconds. */
  timeoutMs: number;
  /** Attempts per recipient within one invocation for retryable errors (429, 5xx, timeouts). */
  maxAttempts: number;
  /** Overrides https://api.twilio.com, for a local emulator. Never set by the template. */
  apiBaseUrl: string | undefined;
};

export const E164 = /^\+[1-9][0-9]{1,14}$/;
const SENDER = /^(\+[1-9][0-9]{1,14}|[0-9]{5,6}|(?=[A-Za-z0-9 ]{1,11}$)[0-9 ]*[A-Za-z][A-Za-z0-9 ]*)$/;
const MESSAGING_SERVICE_SID = /^MG[0-9a-fA-F]{32}$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$/;
export const MAX_RECIPIENTS = 50;

function recipients(raw: string | undefined, where: string): string[] {
  const list = (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (list.length === 0) throw new ConfigurationError(`environment variable ${where} is required but is empty`);
  const invalid = list.filter((r) => !E164.test(r));
  if (invalid.length > 0) {
    throw new ConfigurationError(
      `${where} must hold E.164 numbers such as +15551234567; not valid: ${invalid.join(', ')}`,
    );
  }
  if (list.length > MAX_RECIPIENTS) {
    throw new ConfigurationError(`${where} holds ${list.length} numbers; at most ${MAX_RECIPIENTS} are allowed`);
  }
  return [...new Set(list)];
}

export const SMS_SETTINGS = {
  secretArn: {
    variable: 'TWILIO_SECRET_ARN',
    from: { parameter: 'TwilioSecretArn' },
    parse: parse.required(SECRET_ARN, 'a Secrets Manager secret ARN'),
  },
  from: {
    variable: 'TWILIO_FROM',
    from: { parameter: 'FromNumber' },
    parse: parse.optional(
      SENDER,
      'an E.164 number (+15551234567), a 5-6 digit short code or an alphanumeric sender id of up to 11 characters',
    ),
  },
  messagingServiceSid: {
    variable: 'TWILIO_MESSAGING_SERVICE_SID',
    from: { parameter: 'MessagingServiceSid' },
    parse: parse.optional(MESSAGING_SERVICE_SID, 'MG followed by 32 hex digits'),
  },
  recipients: { variable: 'RECIPIENTS', from: { parameter: 'Recipients' }, parse: recipients },
  template: { variable: 'MESSAGE_TEMPLATE', from: { parameter: 'MessageTemplate' }, parse: parse.text },
  idempotencyTable: { variable: 'IDEMPOTENCY_TABLE', from: { resource: 'IdempotencyTable' }, parse: parse.required() },
  timeoutMs: { variable: 'TWILIO_TIMEOUT_MS', from: { fixed: '5000' }, parse: parse.int(5000, 100, 30000) },
  maxAttempts: { variable: 'TWILIO_MAX_ATTEMPTS', from: { fixed: '3' }, parse: parse.int(3, 1, 10) },
  apiBaseUrl: {
    variable: 'TWILIO_API_BASE_URL',
    from: { local: true },
    parse: (raw: string | undefined, where: string) =>
      parse
        .optional(/^https?:\/\/[^/\s]+\/?$/, 'a scheme and host such as http://127.0.0.1:4010')(raw, where)
        ?.replace(/\/$/, ''),
  },
} satisfies Record<string, Setting<unknown>>;

export function loadSmsConfig(env: Env = process.env): SmsConfig {
  const s = readSettings(SMS_SETTINGS, env);
  if ((s.from === undefined) === (s.messagingServiceSid === undefined)) {
    throw new ConfigurationError(
      'set exactly one of TWILIO_FROM (parameter FromNumber) or TWILIO_MESSAGING_SERVICE_SID (parameter MessagingServiceSid)',
    );
  }
  return {
    secretArn: s.secretArn,
    sender: s.from !== undefined ? { from: s.from } : { messagingServiceSid: s.messagingServiceSid as string },
    recipients: s.recipients,
    template: s.template,
    idempotencyTable: s.idempotencyTable,
    timeoutMs: s.timeoutMs,
    maxAttempts: s.maxAttempts,
    apiBaseUrl: s.apiBaseUrl,
  };
}
