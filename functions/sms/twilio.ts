/**
 * The Twilio Messages API, through the official `twilio` package, trimmed to what the function uses.
 *
 * `import twilio from 'twilio'` bundles every Twilio product (3.6 MiB minified: the root client requires all of
 * its domains statically) and its axios transport. The function builds what the root client would build for
 * `client.api.v2010.accounts(sid).messages` from the package's own modules (a Domain, the 2010-04-01 Version and
 * the Message list, which build the request and parse the answer and errors) over a small node:https transport
 * (./transport.ts). See docs/sms.md for the measured sizes and cold-start times.
 *
 * The Domain's base URL is https://api.twilio.com unless TWILIO_API_BASE_URL is set (a local emulator), as
 * AWS_ENDPOINT_URL does for the AWS clients; this is what `client.api.baseUrl = ...` does on the full client.
 */
import type { Client } from 'twilio/lib/base/BaseTwilio';
import Domain from 'twilio/lib/base/Domain';
import Version from 'twilio/lib/base/Version';
import type V2010 from 'twilio/lib/rest/api/V2010';
import { MessageListInstance } from 'twilio/lib/rest/api/v2010/account/message';
import { version as twilioVersion } from 'twilio/package.json';
import { retryAfterMs } from '../common/http';
import type { Sender } from './config';
import { TwilioCredentialsError } from './errors';
import { createTransport } from './transport';

export const TWILIO_API = 'https://api.twilio.com';

export type TwilioCredentials =
  | { accountSid: string; authToken: string }
  | { accountSid: string; apiKeySid: string; apiKeySecret: string };

const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;
const API_KEY_SID = /^SK[0-9a-fA-F]{32}$/;

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim().length > 0;
}

/**
 * Parses the secret's text: JSON {"accountSid","authToken"} or {"accountSid","apiKeySid","apiKeySecret"}.
 * Error messages name the secret and the fields, never a value (JSON.parse's own message would quote the text).
 */
export function parseCredentials(text: string | undefined, secretArn: string): TwilioCredentials {
  const where = `Twilio secret ${secretArn}`;
  if (!nonEmptyString(text)) throw new TwilioCredentialsError(`${where} has no SecretString`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new TwilioCredentialsError(
      `${where} is not JSON: store {"accountSid": "AC...", "authToken": "..."} or {"accountSid": "AC...", "apiKeySid": "SK...", "apiKeySecret": "..."}`,
    );
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new TwilioCredentialsError(`${where} must hold a JSON object`);
  }
  const v = value as Record<string, unknown>;
  if (!nonEmptyString(v.accountSid) || !ACCOUNT_SID.test(v.accountSid)) {
    throw new TwilioCredentialsError(`${where}: field accountSid must be AC followed by 32 hex digits`);
  }
  if (nonEmptyString(v.authToken)) return { accountSid: v.accountSid, authToken: v.authToken };
  if (nonEmptyString(v.apiKeySid) || nonEmptyString(v.apiKeySecret)) {
    if (!nonEmptyString(v.apiKeySid) || !API_KEY_SID.test(v.apiKeySid)) {
      throw new TwilioCredentialsError(`${where}: field apiKeySid must be SK followed by 32 hex digits`);
    }
    if (!nonEmptyString(v.apiKeySecret)) throw new TwilioCredentialsError(`${where}: field apiKeySecret is missing`);
    return { accountSid: v.accountSid, apiKeySid: v.apiKeySid, apiKeySecret: v.apiKeySecret };
  }
  throw new TwilioCredentialsError(`${where} needs either field authToken, or fields apiKeySid and apiKeySecret`);
}

export type SentMessage = { sid: string; status: string; numSegments: number };

/**
 * The status recorded when Twilio answered 2xx with a body that is not a Message (a proxy's page, an empty body):
 * Twilio accepted the request, so the message counts as sent and is never sent again.
 */
export const UNCONFIRMED = 'unconfirmed';

function isJsonObject(text: string): boolean {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

/** Sends one SMS; rejects with the twilio client's error (RestException, TwilioServiceException, axios error). */
export type SendSms = (to: string, body: string) => Promise<SentMessage>;

export type TwilioOptions = { sender: Sender; timeoutMs: number; baseUrl?: string };

export function createTwilioSender(credentials: TwilioCredentials, options: TwilioOptions): SendSms {
  // API keys authenticate as the key (username SK..., password its secret) on the account's resources.
  const [username, password] =
    'authToken' in credentials
      ? [credentials.accountSid, credentials.authToken]
      : [credentials.apiKeySid, credentials.apiKeySecret];
  const transport = createTransport({
    username,
    password,
    timeoutMs: options.timeoutMs,
    userAgent: `twilio-node/${twilioVersion} (${process.platform} ${process.arch}) node/${process.version} cloud-cron-sms`,
  });
  // The Domain only calls request() on its client; the transport is that client. A 2xx answer that is not a JSON
  // object would make the package throw (or build a Message without a sid): it is read as "accepted, unconfirmed".
  let retryAfter: number | undefined;
  const client = {
    async request(opts: Parameters<typeof transport.request>[0]) {
      const res = await transport.request(opts);
      retryAfter = res.statusCode === 429 ? retryAfterMs(res.headers['retry-after']) : undefined;
      if (res.statusCode >= 200 && res.statusCode < 300 && !isJsonObject(res.body)) {
        return { ...res, body: JSON.stringify({ sid: UNCONFIRMED, status: UNCONFIRMED }) };
      }
      return res;
    },
  };
  const domain = new Domain(client as unknown as Client, options.baseUrl ?? TWILIO_API);
  // Version is V2010's base class; the Message list only uses Version's request methods.
  const version = new Version(domain, '2010-04-01') as unknown as V2010;
  const messages = MessageListInstance(version, credentials.accountSid);
  const sender =
    'from' in options.sender
      ? { from: options.sender.from }
      : { messagingServiceSid: options.sender.messagingServiceSid };
  return async (to, body) => {
    let message: Awaited<ReturnType<typeof messages.create>>;
    try {
      message = await messages.create({ to, body, ...sender });
    } catch (e) {
      // A 429's Retry-After travels with the error, so the retry waits what Twilio asked for.
      if (retryAfter !== undefined && e && typeof e === 'object')
        (e as { retryAfterMs?: number }).retryAfterMs = retryAfter;
      throw e;
    }
    const segments = Number(message.numSegments);
    // Never undefined: the idempotency record must be storable (DynamoDB refuses undefined values).
    return {
      sid: typeof message.sid === 'string' && message.sid ? message.sid : UNCONFIRMED,
      status: typeof message.status === 'string' && message.status ? message.status : UNCONFIRMED,
      numSegments: Number.isFinite(segments) ? segments : 0,
    };
  };
}

export type FetchSecret = (secretArn: string, options: { forceFetch: boolean }) => Promise<string | undefined>;

/**
 * Hands out a sender built from the current secret. The secret is fetched at first use and cached by the fetcher
 * (Powertools Parameters); the sender is rebuilt only when the secret's text changes. `invalidate()` makes the next
 * call bypass the cache, after Twilio refused the credentials (a rotated secret).
 */
export function createSenderSource(
  secretArn: string,
  options: TwilioOptions,
  fetchSecret: FetchSecret,
  build: (credentials: TwilioCredentials, options: TwilioOptions) => SendSms = createTwilioSender,
): { get(): Promise<SendSms>; invalidate(): void } {
  let current: { text: string; send: SendSms } | undefined;
  let forceFetch = false;
  return {
    async get() {
      let text: string | undefined;
      try {
        text = await fetchSecret(secretArn, { forceFetch });
      } catch (e) {
        const err = e as Error;
        throw new TwilioCredentialsError(`cannot read Twilio secret ${secretArn}: ${err.name}: ${err.message}`, {
          cause: e,
        });
      }
      forceFetch = false;
      if (current && current.text === text) return current.send;
      const send = build(parseCredentials(text, secretArn), options);
      current = { text: text as string, send };
      return send;
    },
    invalidate() {
      forceFetch = true;
    },
  };
}
