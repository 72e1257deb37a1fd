/**
 * The HTTP transport under the twilio package's resource classes: the `request(opts)` contract that the package's
 * Domain calls on its client (BaseTwilio.request + RequestClient), on Node's own http/https modules.
 *
 * Why not the package's RequestClient: it is built on axios (with form-data, mime-db, jsonwebtoken, qs,
 * https-proxy-agent), which alone is ~380 KiB minified and ~95 ms of require time in every cold start, for one
 * form-encoded POST (measured numbers in docs/sms.md). Requests are still built, and responses and errors parsed,
 * by the package's Message resource, Version and RestException; the contract test checks every request against
 * Twilio's OpenAPI description.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { CloudCronError } from '../common/errors';

/** What the twilio package's Domain passes to its client's request(). */
export type TwilioRequestOptions = {
  method?: string;
  uri?: string;
  headers?: Record<string, string>;
  params?: Record<string, unknown>;
  data?: Record<string, unknown>;
  timeout?: number;
};

/** What the package's Version expects back: the body as text is parsed by Version / RestException. */
export type TwilioResponse = { statusCode: number; body: string; headers: IncomingHttpHeaders };

/** No HTTP answer: a timeout (code ETIMEDOUT) or a connection failure (ECONNRESET, ECONNREFUSED, ...). Retryable. */
export class TwilioTransportError extends CloudCronError {
  name = 'TwilioTransportError';
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export type TransportOptions = { username: string; password: string; timeoutMs: number; userAgent: string };

// Keep-alive saves a TLS handshake per recipient; a socket gone stale while Lambda was frozen fails with
// ECONNRESET, which is retried.
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 10 });
const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 10 });

/** application/x-www-form-urlencoded with repeated keys for lists, as the package's RequestClient sends it. */
export function formEncode(data: Record<string, unknown>): string {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(data)) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) form.append(key, String(item));
  }
  return form.toString();
}

export function createTransport(options: TransportOptions): {
  request(opts: TwilioRequestOptions): Promise<TwilioResponse>;
} {
  const authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
  return {
    request(opts) {
      const method = (opts.method ?? 'get').toUpperCase();
      const url = new URL(opts.uri ?? '');
      if (opts.params) url.search = formEncode(opts.params);
      const body = opts.data && method !== 'GET' && method !== 'DELETE' ? formEncode(opts.data) : undefined;
      const headers: Record<string, string | number> = {
        ...opts.headers,
        Authorization: authorization,
        'User-Agent': options.userAgent,
        'Accept-Charset': 'utf-8',
        Accept: opts.headers?.Accept ?? 'application/json',
      };
      if (body !== undefined) {
        headers['Content-Type'] = 'application/x-www-form-urlencoded';
        headers['Content-Length'] = Buffer.byteLength(body);
      }
      const timeoutMs = opts.timeout ?? options.timeoutMs;
      const secure = url.protocol === 'https:';
      return new Promise<TwilioResponse>((resolve, reject) => {
        const req = (secure ? httpsRequest : httpRequest)(
          url,
          { method, headers, agent: secure ? httpsAgent : httpAgent },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => {
              clearTimeout(timer);
              resolve({
                statusCode: res.statusCode ?? 0,
                body: Buffer.concat(chunks).toString('utf8'),
                headers: res.headers,
              });
            });
            res.on('error', fail);
          },
        );
        const timer = setTimeout(() => {
          req.destroy(
            new TwilioTransportError(
              'ETIMEDOUT',
              `Twilio did not answer ${method} ${url.pathname} within ${timeoutMs} ms`,
            ),
          );
        }, timeoutMs);
        function fail(e: Error & { code?: string }) {
          clearTimeout(timer);
          reject(
            e instanceof TwilioTransportError
              ? e
              : new TwilioTransportError(e.code ?? 'ECONNRESET', `request to Twilio failed: ${e.message}`, {
                  cause: e,
                }),
          );
        }
        req.on('error', fail);
        req.end(body);
      });
    },
  };
}
