/**
 * The SMS function's configuration, read from the environment the template sets and validated once at init.
 * Every failure names the variable (and the template parameter behind it).
 */
import { intEnv, listEnv, optionalEnv, requiredEnv } from '../common/config';
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

export function loadSmsConfig(env: Env = process.env): SmsConfig {
  const secretArn = requiredEnv('TWILIO_SECRET_ARN', env);
  if (!SECRET_ARN.test(secretArn)) {
    throw new ConfigurationError(
      `TWILIO_SECRET_ARN (parameter TwilioSecretArn) must be a Secrets Manager secret ARN, got "${secretArn}"`,
    );
  }

  const from = optionalEnv('TWILIO_FROM', env);
  const messagingServiceSid = optionalEnv('TWILIO_MESSAGING_SERVICE_SID', env);
  if ((from === undefined) === (messagingServiceSid === undefined)) {
    throw new ConfigurationError(
      'set exactly one of TWILIO_FROM (parameter FromNumber) or TWILIO_MESSAGING_SERVICE_SID (parameter MessagingServiceSid)',
    );
  }
  if (from !== undefined && !SENDER.test(from)) {
    throw new ConfigurationError(
      `TWILIO_FROM (parameter FromNumber) must be an E.164 number (+15551234567), a 5-6 digit short code or an alphanumeric sender id of up to 11 characters, got "${from}"`,
    );
  }
  if (messagingServiceSid !== undefined && !MESSAGING_SERVICE_SID.test(messagingServiceSid)) {
    throw new ConfigurationError(
      `TWILIO_MESSAGING_SERVICE_SID (parameter MessagingServiceSid) must be MG followed by 32 hex digits, got "${messagingServiceSid}"`,
    );
  }

  const recipients = listEnv('RECIPIENTS', env);
  if (recipients.length === 0)
    throw new ConfigurationError('environment variable RECIPIENTS (parameter Recipients) is required but is empty');
  const invalid = recipients.filter((r) => !E164.test(r));
  if (invalid.length > 0) {
    throw new ConfigurationError(
      `RECIPIENTS (parameter Recipients) must hold E.164 numbers such as +15551234567; not valid: ${invalid.join(', ')}`,
    );
  }
  if (recipients.length > MAX_RECIPIENTS) {
    throw new ConfigurationError(
      `RECIPIENTS (parameter Recipients) holds ${recipients.length} numbers; at most ${MAX_RECIPIENTS} are allowed`,
    );
  }

  const apiBaseUrl = optionalEnv('TWILIO_API_BASE_URL', env);
  if (apiBaseUrl !== undefined && !/^https?:\/\/[^/\s]+\/?$/.test(apiBaseUrl)) {
    throw new ConfigurationError(
      `TWILIO_API_BASE_URL must be a scheme and host such as http://127.0.0.1:4010, got "${apiBaseUrl}"`,
    );
  }

  const timeoutMs = intEnv('TWILIO_TIMEOUT_MS', 5000, env);
  if (timeoutMs < 100 || timeoutMs > 30000)
    throw new ConfigurationError(`TWILIO_TIMEOUT_MS must be 100-30000, got ${timeoutMs}`);
  const maxAttempts = intEnv('TWILIO_MAX_ATTEMPTS', 3, env);
  if (maxAttempts < 1 || maxAttempts > 10)
    throw new ConfigurationError(`TWILIO_MAX_ATTEMPTS must be 1-10, got ${maxAttempts}`);

  return {
    secretArn,
    sender: from !== undefined ? { from } : { messagingServiceSid: messagingServiceSid as string },
    recipients: [...new Set(recipients)],
    template: optionalEnv('MESSAGE_TEMPLATE', env),
    idempotencyTable: requiredEnv('IDEMPOTENCY_TABLE', env),
    timeoutMs,
    maxAttempts,
    apiBaseUrl: apiBaseUrl?.replace(/\/$/, ''),
  };
}
