/**
 * The answer to a CloudFormation custom resource request, the one sender of every Cloud Cron custom resource
 * provider (the image mirror, the Runs app's bus and registrar): a PUT of a JSON body to the pre-signed ResponseURL.
 *
 * Written here instead of using npm `cfn-response` 1.0.1, which hard-codes the failure Reason, calls
 * `context.done()` (absent on nodejs24.x), always connects with https on port 443, and sets Content-Length from
 * the string's length in characters rather than bytes. This sender keeps the real Reason, is async, sends
 * byte-correct bodies, bounds each attempt and the whole exchange, and PUTs only to a URL its policy accepts:
 * https to CloudFormation's response bucket of the region, or a loopback server when the test-only switch is on
 * (response-url.ts). Providers check the URL before their work too; the sender checks it again so none can forget.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { CloudCronError } from './errors';
import { checkResponseUrl, type ResponseUrlPolicy } from './response-url';

/** CloudFormation's response URL did not accept the answer. */
export class ResponseDeliveryError extends CloudCronError {
  override name = 'ResponseDeliveryError';
}

export type CfnStatus = 'SUCCESS' | 'FAILED';

export type CfnResponse = {
  Status: CfnStatus;
  Reason?: string;
  PhysicalResourceId: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  NoEcho?: boolean;
  Data?: Record<string, string>;
};

/** CloudFormation rejects response bodies over 4096 bytes. */
export const MAX_BODY_BYTES = 4096;

/** Cuts a string to at most `bytes` UTF-8 bytes without splitting a character. */
export function truncateUtf8(text: string, bytes: number): string {
  if (Buffer.byteLength(text) <= bytes) return text;
  const marker = '…';
  let out = '';
  let used = Buffer.byteLength(marker);
  for (const ch of text) {
    const size = Buffer.byteLength(ch);
    if (used + size > bytes) break;
    out += ch;
    used += size;
  }
  return out + marker;
}

/** The JSON body, with the Reason shortened (never the other fields) so the body fits CloudFormation's limit. */
export function responseBody(response: CfnResponse): string {
  const body = JSON.stringify(response);
  const excess = Buffer.byteLength(body) - MAX_BODY_BYTES;
  if (excess <= 0 || !response.Reason) return body;
  const reasonBytes = Buffer.byteLength(JSON.stringify(response.Reason));
  // JSON escaping can grow a character, so shrink until it fits.
  let budget = Math.max(0, reasonBytes - excess - 8);
  for (;;) {
    const candidate = JSON.stringify({ ...response, Reason: truncateUtf8(response.Reason, budget) });
    if (Buffer.byteLength(candidate) <= MAX_BODY_BYTES || budget === 0) return candidate;
    budget = Math.max(0, budget - 64);
  }
}

export type SendOptions = {
  /** Which URLs may be answered (the function's region, and the test-only loopback switch). Required. */
  policy: ResponseUrlPolicy;
  attempts?: number;
  /** Per attempt: covers connecting, sending and the answer. */
  timeoutMs?: number;
  backoffMs?: number;
  /** Epoch ms after which no attempt starts and no attempt waits (the invocation's answer budget). */
  until?: number;
};

function putOnce(url: URL, body: string, timeoutMs: number): Promise<number> {
  const request = url.protocol === 'https:' ? httpsRequest : url.protocol === 'http:' ? httpRequest : undefined;
  if (!request)
    return Promise.reject(new ResponseDeliveryError(`ResponseURL protocol ${url.protocol} is not http or https`));
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'PUT',
        // The pre-signed URL is signed without a content type: send an empty one, as CloudFormation expects.
        headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          clearTimeout(timer);
          resolve(res.statusCode ?? 0);
        });
        res.on('error', reject);
      },
    );
    // One limit for the whole exchange (connect, send, answer), not only for an idle socket: a server that
    // trickles bytes would otherwise hold the attempt open forever.
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.end(body);
  });
}

/**
 * PUTs the response. Network errors and 5xx are retried; a 4xx (expired or wrong URL) is not.
 * Throws UnusableResponseUrlError, before any connection, when the policy refuses the URL; throws
 * ResponseDeliveryError when CloudFormation never accepted the answer, so the invocation fails and is retried by
 * Lambda or lands in the dead-letter queue instead of being lost silently. Messages name the host, never the
 * URL's query (its signature).
 */
export async function sendResponse(responseUrl: string, response: CfnResponse, options: SendOptions): Promise<void> {
  const { policy, attempts = 3, timeoutMs = 10000, backoffMs = 500, until = Number.POSITIVE_INFINITY } = options;
  const url = checkResponseUrl(responseUrl, policy);
  const body = responseBody(response);
  let last: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const left = until - Date.now();
    if (left <= 0) {
      last ??= new Error('no time left in the answer budget');
      break;
    }
    try {
      const status = await putOnce(url, body, Math.min(timeoutMs, left));
      if (status >= 200 && status < 300) return;
      last = new Error(`HTTP ${status}`);
      if (status < 500) break;
    } catch (e) {
      if (e instanceof ResponseDeliveryError) throw e;
      last = e;
    }
    const pause = backoffMs * 2 ** (attempt - 1);
    if (attempt < attempts && Date.now() + pause < until) await new Promise((r) => setTimeout(r, pause));
  }
  throw new ResponseDeliveryError(
    `CloudFormation did not accept the ${response.Status} response for ${response.LogicalResourceId} at ${url.host}: ${(last as Error)?.message ?? 'no attempt'}`,
    { cause: last },
  );
}
