/**
 * One POST to the webhook, retried within the invocation as the services ask:
 *
 * - 2xx: delivered (Slack answers 200 "ok", Teams and PagerDuty 202, Discord 204).
 * - 429: retried after its Retry-After (seconds or an HTTP date; Discord also says `retry_after` in its JSON body),
 *   else after an exponential backoff with jitter; 5xx, 408 and network errors or timeouts: backoff. When the wait
 *   is longer than WEBHOOK_MAX_RETRY_AFTER_MS or the invocation has no time left for it, the invocation fails
 *   (retryable) and Lambda retries later.
 * - 401, 403, 404, 410: the webhook was revoked, deleted or archived: `paused` (alarm; the secret is re-read).
 * - any other 4xx: the service refused this message: permanent, to the dead-letter queue with the status and a
 *   redacted reason.
 *
 * No attempt starts unless the invocation has time for it to finish (the request timeout plus a margin): a request
 * cut off by Lambda's timeout may have been delivered, and its retry would deliver it twice.
 */
import { ChannelError, type FailureKind } from '../common/failures';
import { backoffDelay, type HttpResponse, HttpTransportError, retryAfterMs, send } from '../common/http';
import { redact } from '../common/redact';
import type { Preset } from './presets/types';
import type { WebhookTarget } from './secret';
import { signatureHeaders } from './sign';

export class WebhookDeliveryError extends ChannelError {
  override name = 'WebhookDeliveryError';
  readonly kind: FailureKind;
  readonly status: number | undefined;
  readonly code: string | number | undefined;
  constructor(
    kind: FailureKind,
    message: string,
    details: { status?: number; code?: string | number; cause?: unknown },
  ) {
    super(message, details.cause !== undefined ? { cause: details.cause } : undefined);
    this.kind = kind;
    this.status = details.status;
    this.code = details.code ?? details.status;
  }
}

/** What the service said, short and redacted: Slack's error code, Discord's and PagerDuty's JSON messages. */
export function responseReason(body: string): string {
  const text = body.trim();
  if (!text) return 'no body';
  if (text.startsWith('{')) {
    try {
      const v = JSON.parse(text) as Record<string, unknown>;
      const parts = [v.status, v.message, v.code, Array.isArray(v.errors) ? v.errors.join(', ') : v.error]
        .filter((x) => typeof x === 'string' || typeof x === 'number')
        .map(String);
      if (parts.length) return redact(parts.join(': '), 200);
    } catch {
      // not JSON after all
    }
  }
  return redact(text, 200);
}

/** Discord puts the wait in its JSON body as seconds (retry_after), besides the Retry-After header. */
function waitAsked(res: HttpResponse): number | undefined {
  const header = retryAfterMs(res.headers['retry-after']);
  if (header !== undefined) return header;
  try {
    const v = JSON.parse(res.body) as { retry_after?: unknown };
    return typeof v.retry_after === 'number' ? Math.round(v.retry_after * 1000) : undefined;
  } catch {
    return undefined;
  }
}

export type PostOptions = {
  preset: Preset;
  timeoutMs: number;
  maxAttempts: number;
  maxRetryAfterMs: number;
  /** Milliseconds the invocation has left. */
  remainingMs: () => number;
  /** Extra time kept after an attempt (to record the outcome). */
  marginMs?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
  onRetry?: (info: { attempt: number; status?: number; code?: string; delayMs: number; retryAfter: boolean }) => void;
};

export type Delivered = { status: number; attempts: number };

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const PAUSED = new Set([401, 403, 404, 410]);

export async function postWebhook(
  target: WebhookTarget,
  request: { body: string; headers: Record<string, string>; messageId: string },
  options: PostOptions,
): Promise<Delivered> {
  const { timeoutMs, maxAttempts, maxRetryAfterMs, remainingMs } = options;
  const margin = options.marginMs ?? 1000;
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  const label = `the ${options.preset} webhook`;
  for (let attempt = 1; ; attempt++) {
    if (remainingMs() < timeoutMs + margin) {
      throw new WebhookDeliveryError(
        'retryable',
        `not sent: the invocation has ${remainingMs()} ms left, less than one attempt needs`,
        { code: 'NoTimeLeft' },
      );
    }
    const headers: Record<string, string> = {
      ...target.headers,
      ...request.headers,
      'User-Agent': 'cloud-cron-webhook',
      'X-Cloud-Cron-Message-Id': request.messageId,
    };
    if (target.signingSecret)
      Object.assign(headers, signatureHeaders(target.signingSecret, request.body, options.now?.()));
    let failure: WebhookDeliveryError;
    let wait: number | undefined;
    try {
      const res = await send({ method: 'POST', url: target.url, headers, body: request.body, timeoutMs }, label);
      if (res.status >= 200 && res.status < 300) return { status: res.status, attempts: attempt };
      const reason = responseReason(res.body);
      if (res.status === 429 || res.status === 408 || res.status >= 500) {
        failure = new WebhookDeliveryError('retryable', `${label} answered HTTP ${res.status} (${reason})`, {
          status: res.status,
        });
        wait = res.status === 429 ? waitAsked(res) : undefined;
      } else if (PAUSED.has(res.status)) {
        throw new WebhookDeliveryError(
          'paused',
          `${label} answered HTTP ${res.status} (${reason}): the webhook was revoked or deleted; store a new one in the secret`,
          { status: res.status },
        );
      } else {
        throw new WebhookDeliveryError('message', `${label} refused the message: HTTP ${res.status} (${reason})`, {
          status: res.status,
        });
      }
    } catch (e) {
      if (e instanceof WebhookDeliveryError) throw e;
      if (!(e instanceof HttpTransportError)) throw e;
      failure = new WebhookDeliveryError('retryable', e.message, { code: e.code, cause: e });
    }
    if (attempt >= maxAttempts) throw failure;
    const delay = wait ?? backoffDelay(attempt, options.baseDelayMs ?? 500, options.maxDelayMs ?? 8000, random);
    if (delay > maxRetryAfterMs || remainingMs() < delay + timeoutMs + margin) {
      throw new WebhookDeliveryError(
        'retryable',
        `${failure.message}; no time left in this invocation to wait ${delay} ms`,
        {
          status: failure.status,
          code: failure.code,
        },
      );
    }
    options.onRetry?.({
      attempt,
      status: failure.status,
      code: typeof failure.code === 'string' ? failure.code : undefined,
      delayMs: delay,
      retryAfter: wait !== undefined,
    });
    await sleep(delay);
  }
}
