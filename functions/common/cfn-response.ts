/**
 * The answer to a CloudFormation custom resource request (shared by the image mirror and the Runs app's
 * custom resources): a PUT of a JSON body to the pre-signed ResponseURL.
 *
 * Written here instead of using npm `cfn-response` 1.0.1, which hard-codes the failure Reason, calls
 * `context.done()` (absent on nodejs24.x), always connects with https on port 443, and sets Content-Length from
 * the string's length in characters rather than bytes. This sender keeps the real Reason, is async, sends
 * byte-correct bodies, and honours any http: or https: URL (tests answer a loopback http server).
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { CloudCronError } from './errors';

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

type SendOptions = { attempts?: number; timeoutMs?: number; backoffMs?: number };

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
        timeout: timeoutMs,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * PUTs the response. Network errors and 5xx are retried; a 4xx (expired or wrong URL) is not.
 * Throws ResponseDeliveryError when CloudFormation never accepted it, so the invocation fails and is retried
 * by Lambda or lands in the dead-letter queue instead of being lost silently.
 */
export async function sendResponse(
  responseUrl: string,
  response: CfnResponse,
  options: SendOptions = {},
): Promise<void> {
  const { attempts = 3, timeoutMs = 10000, backoffMs = 500 } = options;
  let url: URL;
  try {
    url = new URL(responseUrl);
  } catch (e) {
    throw new ResponseDeliveryError('ResponseURL is not a valid URL', { cause: e });
  }
  const body = responseBody(response);
  let last: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const status = await putOnce(url, body, timeoutMs);
      if (status >= 200 && status < 300) return;
      last = new Error(`HTTP ${status}`);
      if (status < 500) break;
    } catch (e) {
      if (e instanceof ResponseDeliveryError) throw e;
      last = e;
    }
    if (attempt < attempts) await new Promise((r) => setTimeout(r, backoffMs * 2 ** (attempt - 1)));
  }
  throw new ResponseDeliveryError(
    `CloudFormation did not accept the ${response.Status} response for ${response.LogicalResourceId} at ${url.host}: ${(last as Error).message}`,
    { cause: last },
  );
}
