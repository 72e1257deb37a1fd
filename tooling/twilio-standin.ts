/**
 * A loopback stand-in for Twilio's Messages endpoint (POST /2010-04-01/Accounts/{AccountSid}/Messages.json) that
 * answers the way Twilio does, error bodies included, so the SMS function's error paths run over real HTTP.
 *
 * Without a script, it behaves like Twilio with test credentials and its magic "To" numbers
 * (https://www.twilio.com/docs/iam/test-credentials): +15005550001 invalid (21211), +15005550002 not routable
 * (21612), +15005550003 region not enabled (21408), +15005550004 opted out (21610), +15005550009 not a mobile
 * number (21614); any other number is queued (201). `script(to, ...replies)` queues answers for one number first
 * (a 429, a 500, a slow answer...). Wrong credentials get Twilio's 401 (20003).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Clock, type TokenBucket, tokenBucket } from './token-bucket';

export type TwilioErrorBody = { code: number; message: string; more_info: string; status: number };

export function twilioError(status: number, code: number, message: string): TwilioErrorBody {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

/** Twilio's own error bodies for the cases the tests use. */
export const TWILIO_ERRORS = {
  invalidNumber: (to: string) => twilioError(400, 21211, `Invalid 'To' Phone Number: ${to}`),
  notRoutable: (to: string) =>
    twilioError(
      400,
      21612,
      `The 'To' phone number: ${to}, is not currently reachable using the 'From' phone number via SMS.`,
    ),
  regionNotEnabled: (to: string) =>
    twilioError(
      400,
      21408,
      `Permission to send an SMS has not been enabled for the region indicated by the 'To' number: ${to}`,
    ),
  optedOut: () => twilioError(400, 21610, 'Attempt to send to unsubscribed recipient'),
  notMobile: (to: string) => twilioError(400, 21614, `'To' number ${to} is not a valid mobile number`),
  rateLimited: () => twilioError(429, 20429, 'Too Many Requests'),
  internal: () => twilioError(500, 20500, 'An internal server error has occurred'),
  authenticate: () => twilioError(401, 20003, 'Authenticate'),
} as const;

export const MAGIC_NUMBERS = {
  valid: '+15005550006',
  invalid: '+15005550001',
  notRoutable: '+15005550002',
  regionNotEnabled: '+15005550003',
  optedOut: '+15005550004',
  notMobile: '+15005550009',
} as const;

/** `raw`: the body exactly as written (a proxy's HTML page, say) instead of `body` as JSON. */
export type StandinReply = {
  status: number;
  body: unknown;
  delayMs?: number;
  raw?: string;
  contentType?: string;
  /** Seconds, sent as a Retry-After header. */
  retryAfter?: number;
};

export type StandinRequest = {
  method: string;
  path: string;
  accountSid: string;
  username: string;
  form: Record<string, string>;
  headers: IncomingMessage['headers'];
  /** The status the stand-in answered. */
  answered: number;
};

export type TwilioStandin = {
  /** Base URL for TWILIO_API_BASE_URL. */
  url: string;
  requests: StandinRequest[];
  /** Queues replies for one "To" number, used before its default behaviour. */
  script(to: string, ...replies: StandinReply[]): void;
  /**
   * At most `rate` messages a second (`burst` at once), as Twilio's API concurrency limits do: over it, 429 with
   * error 20429 and a Retry-After header. 0 lifts the limit.
   */
  throttle(rate: number, burst?: number, clock?: Clock): void;
  /** Forgets requests, scripts and the throttle. */
  reset(): void;
  stop(): Promise<void>;
};

const MESSAGES = /^\/2010-04-01\/Accounts\/(AC[0-9a-fA-F]{32})\/Messages\.json$/;

function defaultReply(to: string): StandinReply | undefined {
  switch (to) {
    case MAGIC_NUMBERS.invalid:
      return { status: 400, body: TWILIO_ERRORS.invalidNumber(to) };
    case MAGIC_NUMBERS.notRoutable:
      return { status: 400, body: TWILIO_ERRORS.notRoutable(to) };
    case MAGIC_NUMBERS.regionNotEnabled:
      return { status: 400, body: TWILIO_ERRORS.regionNotEnabled(to) };
    case MAGIC_NUMBERS.optedOut:
      return { status: 400, body: TWILIO_ERRORS.optedOut() };
    case MAGIC_NUMBERS.notMobile:
      return { status: 400, body: TWILIO_ERRORS.notMobile(to) };
    default:
      return undefined;
  }
}

/** The 201 body Twilio returns for a queued message (fields as in the 2010-04-01 Message resource). */
function queued(accountSid: string, form: Record<string, string>): Record<string, unknown> {
  const sid = `SM${randomBytes(16).toString('hex')}`;
  const body = form.Body ?? '';
  const now = new Date().toUTCString().replace('GMT', '+0000');
  return {
    account_sid: accountSid,
    api_version: '2010-04-01',
    body,
    date_created: now,
    date_sent: null,
    date_updated: now,
    direction: 'outbound-api',
    error_code: null,
    error_message: null,
    from: form.From ?? null,
    messaging_service_sid: form.MessagingServiceSid ?? null,
    num_media: '0',
    // Twilio reports "0" for Messaging Service sends until a sender is picked; the stand-in counts GSM-7-sized parts.
    num_segments: form.MessagingServiceSid ? '0' : String(body.length <= 160 ? 1 : Math.ceil(body.length / 153)),
    price: null,
    price_unit: 'USD',
    sid,
    status: form.MessagingServiceSid ? 'accepted' : 'queued',
    subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}/Media.json` },
    to: form.To,
    uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
  };
}

/**
 * @param credentials accepted logins: username (AccountSid or API key SID) to password. Empty accepts any.
 */
export async function startTwilioStandin(credentials: Record<string, string> = {}): Promise<TwilioStandin> {
  const requests: StandinRequest[] = [];
  const scripts = new Map<string, StandinReply[]>();
  let bucket: TokenBucket | undefined;
  /** Seconds to wait when the bucket is empty, else undefined (a token taken). */
  const take = (): number | undefined => bucket?.take();

  const send = (res: ServerResponse, reply: StandinReply) => {
    const write = () => {
      if (res.destroyed) return;
      res.writeHead(reply.status, {
        'Content-Type': reply.contentType ?? 'application/json',
        ...(reply.retryAfter !== undefined ? { 'Retry-After': String(reply.retryAfter) } : {}),
      });
      res.end(reply.raw ?? JSON.stringify(reply.body));
    };
    if (reply.delayMs) setTimeout(write, reply.delayMs).unref();
    else write();
  };

  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString('utf8')));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0];
      const form = Object.fromEntries(new URLSearchParams(raw));
      const auth = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
      const [username, password] = auth ? Buffer.from(auth[1], 'base64').toString('utf8').split(':') : ['', ''];
      const match = MESSAGES.exec(path);
      const record = (answered: number) =>
        requests.push({
          method: req.method ?? '',
          path,
          accountSid: match?.[1] ?? '',
          username,
          form,
          headers: req.headers,
          answered,
        });

      if (req.method !== 'POST' || !match) {
        record(404);
        return send(res, {
          status: 404,
          body: twilioError(404, 20404, `The requested resource ${path} was not found`),
        });
      }
      if (Object.keys(credentials).length > 0 && credentials[username] !== password) {
        record(401);
        return send(res, { status: 401, body: TWILIO_ERRORS.authenticate() });
      }
      const to = form.To ?? '';
      const scripted = scripts.get(to)?.shift();
      const wait = scripted ? undefined : take();
      const reply = scripted ??
        (wait !== undefined
          ? { status: 429, body: TWILIO_ERRORS.rateLimited(), retryAfter: Math.max(1, Math.ceil(wait)) }
          : undefined) ??
        defaultReply(to) ?? { status: 201, body: queued(match[1], form) };
      record(reply.status);
      send(res, reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script(to, ...replies) {
      scripts.set(to, [...(scripts.get(to) ?? []), ...replies]);
    },
    throttle(rate, burst = 1, clock) {
      bucket = rate > 0 ? tokenBucket(rate, burst, clock) : undefined;
    },
    reset() {
      requests.length = 0;
      scripts.clear();
      bucket = undefined;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
