/**
 * One small HTTP client for the channels' third-party APIs, on Node's own http/https modules: keep-alive agents
 * (a TLS handshake per message saved), a timeout per request that covers connecting, sending and the whole
 * answer, a cap on the answer's size, and every failure without an answer as an HttpTransportError (retryable).
 *
 * Why not fetch: Node's fetch (undici) is loaded on first use, which adds its load time to the first message of
 * every cold start, and its timeouts (AbortSignal) do not cover a body that trickles in; http/https are loaded
 * by the runtime anyway (docs/webhook.md has the measurements).
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { CloudCronError } from './errors';

export type HttpResponse = { status: number; headers: IncomingHttpHeaders; body: string };

export type HttpRequest = {
  method: string;
  url: URL;
  headers: Record<string, string | number>;
  body?: string;
  timeoutMs: number;
  /** Bytes of the answer kept (the rest is read and dropped). Default 64 KiB. */
  maxResponseBytes?: number;
};

/** No HTTP answer: a timeout (code ETIMEDOUT) or a connection failure (ECONNRESET, ECONNREFUSED, ...). Retryable. */
export class HttpTransportError extends CloudCronError {
  override name = 'HttpTransportError';
  readonly kind = 'retryable' as const;
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

// A socket gone stale while Lambda was frozen fails with ECONNRESET, which is retried.
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 10 });
const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 10 });

/** The request; `label` names the service in errors (never the URL, which may be a credential). */
export function send(req: HttpRequest, label: string): Promise<HttpResponse> {
  const secure = req.url.protocol === 'https:';
  const max = req.maxResponseBytes ?? 64 * 1024;
  const headers = { ...req.headers };
  if (req.body !== undefined) headers['Content-Length'] = Buffer.byteLength(req.body);
  return new Promise<HttpResponse>((resolve, reject) => {
    const r = (secure ? httpsRequest : httpRequest)(
      req.url,
      { method: req.method, headers, agent: secure ? httpsAgent : httpAgent },
      (res) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        res.on('data', (chunk: Buffer) => {
          if (kept < max) chunks.push(chunk.subarray(0, max - kept));
          kept += chunk.length;
        });
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', fail);
      },
    );
    const timer = setTimeout(() => {
      r.destroy(new HttpTransportError('ETIMEDOUT', `${label} did not answer within ${req.timeoutMs} ms`));
    }, req.timeoutMs);
    function fail(e: Error & { code?: string }) {
      clearTimeout(timer);
      reject(
        e instanceof HttpTransportError
          ? e
          : new HttpTransportError(e.code ?? 'ECONNRESET', `request to ${label} failed: ${e.code ?? e.message}`, {
              cause: e,
            }),
      );
    }
    r.on('error', fail);
    r.end(req.body);
  });
}

/**
 * Milliseconds a Retry-After header (delta-seconds or an HTTP date) asks to wait, or undefined when absent or
 * unreadable. `now` is for tests.
 */
export function retryAfterMs(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(v)) return Math.round(Number(v) * 1000);
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Delay before attempt `attempt + 1`: exponential with "equal jitter" (half fixed, half random). */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
