/**
 * Checks endpoints with fetch: a timeout per request, the status and optionally a text the body must contain,
 * and the latency to the response headers. A failing endpoint is a result, never an exception.
 */
import type { CheckResult } from './contract';
import type { ResolvedEndpoint } from './event';

/** How much of a body is read to look for `contains`. */
export const MAX_BODY_BYTES = 1024 * 1024;

export type CheckOptions = {
  /** Milliseconds left before the run must stop (the Lambda deadline minus a margin); no limit when absent. */
  remainingMs?: () => number;
};

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed by the server',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS certificate chain is self-signed',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate cannot be verified',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate does not match the host',
};

/** A few words on why a request failed, from fetch's error and its cause. */
export function failureReason(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `timeout after ${timeoutMs} ms`;
  const code = e?.cause?.code;
  if (code) return NETWORK_CODES[code] ?? `request failed (${code})`;
  return `request failed: ${e?.cause?.message ?? e?.message ?? String(error)}`.slice(0, 200);
}

async function readBody(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < MAX_BODY_BYTES) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  await reader.cancel().catch(() => undefined);
  return Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8');
}

function statusExpected(endpoint: ResolvedEndpoint, status: number): boolean {
  return endpoint.expectStatus.length === 0 ? status >= 200 && status <= 299 : endpoint.expectStatus.includes(status);
}

function expectedText(endpoint: ResolvedEndpoint): string {
  return endpoint.expectStatus.length === 0 ? '2xx' : endpoint.expectStatus.join(' or ');
}

/** fetch refuses URLs with credentials: they travel as a Basic Authorization header instead. */
function request(endpoint: ResolvedEndpoint): { url: string; headers: Record<string, string> } {
  const url = new URL(endpoint.url);
  const headers: Record<string, string> = { 'user-agent': 'cloud-cron-health-check/1', accept: '*/*' };
  if (url.username || url.password) {
    const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  return { url: url.href, headers };
}

/** An error message may quote the URL: show it as displayUrl, without credentials or query string. */
function scrub(reason: string, endpoint: ResolvedEndpoint): string {
  return reason.split(endpoint.url).join(endpoint.displayUrl);
}

/** Checks one endpoint. Never throws: every failure becomes a `down` result with a reason. */
export async function checkEndpoint(endpoint: ResolvedEndpoint, options: CheckOptions = {}): Promise<CheckResult> {
  const outcome = (
    status: CheckResult['status'],
    reason: string | null,
    response?: { httpStatus: number; latencyMs: number },
  ): CheckResult => ({
    name: endpoint.name,
    url: endpoint.displayUrl,
    status,
    httpStatus: response?.httpStatus ?? null,
    latencyMs: response?.latencyMs ?? null,
    reason,
    critical: endpoint.critical,
  });
  const left = options.remainingMs?.() ?? Number.POSITIVE_INFINITY;
  const timeoutMs = Math.floor(Math.min(endpoint.timeoutMs, left));
  if (timeoutMs < 1) return outcome('down', 'not checked: the run ran out of time');

  const { url, headers } = request(endpoint);
  const signal = AbortSignal.timeout(timeoutMs);
  const started = performance.now();
  let response: Response;
  try {
    response = await fetch(url, { method: endpoint.method, redirect: 'follow', signal, headers });
  } catch (error) {
    return outcome('down', scrub(failureReason(error, timeoutMs), endpoint));
  }
  const answered = { httpStatus: response.status, latencyMs: Math.round(performance.now() - started) };
  if (!statusExpected(endpoint, response.status)) {
    await response.body?.cancel().catch(() => undefined);
    return outcome('down', `HTTP ${response.status}, expected ${expectedText(endpoint)}`, answered);
  }
  if (endpoint.contains !== null) {
    let body: string;
    try {
      body = await readBody(response);
    } catch (error) {
      return outcome('down', scrub(`body not read: ${failureReason(error, timeoutMs)}`, endpoint), answered);
    }
    if (!body.includes(endpoint.contains)) {
      return outcome('down', `body does not contain "${endpoint.contains.slice(0, 60)}"`, answered);
    }
  } else {
    await response.body?.cancel().catch(() => undefined);
  }
  if (answered.latencyMs > endpoint.slowMs) {
    return outcome('slow', `${answered.latencyMs} ms, slower than ${endpoint.slowMs} ms`, answered);
  }
  return outcome('up', null, answered);
}

/** Checks every endpoint, at most `concurrency` at a time; results keep the endpoints' order. */
export async function checkAll(
  endpoints: ResolvedEndpoint[],
  concurrency: number,
  options: CheckOptions = {},
): Promise<CheckResult[]> {
  const results: CheckResult[] = new Array(endpoints.length);
  let next = 0;
  const worker = async () => {
    while (next < endpoints.length) {
      const i = next++;
      results[i] = await checkEndpoint(endpoints[i], options);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, endpoints.length) }, worker));
  return results;
}
