/**
 * Validates the schedule's payload (a HealthCheckEvent) and resolves every default, so the checks never meet a
 * surprise. Each error names the field and says what it must be.
 */
import type { EndpointCheck, HealthCheckEvent } from './contract';
import { InvalidEventError } from './errors';

export const LIMITS = {
  endpoints: 100,
  timeoutMs: { min: 100, max: 60_000, default: 5000 },
  slowMs: { min: 1, max: 60_000, default: 2000 },
  concurrency: { min: 1, max: 20, default: 8 },
  nameLength: 80,
  jobLength: 64,
  containsLength: 1000,
} as const;

export type ResolvedEndpoint = {
  name: string;
  /** The URL to fetch, as given. */
  url: string;
  /** The URL as shown in messages and logs: no credentials, query string or fragment. */
  displayUrl: string;
  method: 'GET' | 'HEAD';
  /** Status codes that count as up; empty means any 2xx. */
  expectStatus: number[];
  contains: string | null;
  timeoutMs: number;
  slowMs: number;
  critical: boolean;
};

export type ResolvedEvent = {
  job: string | null;
  endpoints: ResolvedEndpoint[];
  report: NonNullable<HealthCheckEvent['report']>;
  concurrency: number;
};

const EVENT_KEYS = ['job', 'endpoints', 'timeoutMs', 'slowMs', 'report', 'concurrency'];
const ENDPOINT_KEYS = ['url', 'name', 'method', 'expectStatus', 'contains', 'timeoutMs', 'slowMs', 'critical'];
const EXAMPLE = '{"endpoints":[{"url":"https://example.com/health"}]}';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unknownKeys(value: Record<string, unknown>, allowed: string[], where: string): void {
  const extra = Object.keys(value).filter((k) => !allowed.includes(k));
  if (extra.length > 0) {
    throw new InvalidEventError(
      `${where} has unknown field${extra.length > 1 ? 's' : ''} ${extra.map((k) => `"${k}"`).join(', ')}; ` +
        `allowed: ${allowed.join(', ')}`,
    );
  }
}

function integer(value: unknown, where: string, range: { min: number; max: number }): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < range.min || value > range.max) {
    throw new InvalidEventError(
      `${where} must be a whole number from ${range.min} to ${range.max}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function text(value: unknown, where: string, maxLength: number): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > maxLength) {
    throw new InvalidEventError(`${where} must be a non-empty string of at most ${maxLength} characters`);
  }
  return value.trim();
}

/** The URL without credentials, query string or fragment, which may hold secrets. */
export function displayUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

function resolveEndpoint(
  value: unknown,
  index: number,
  defaults: { timeoutMs: number; slowMs: number },
): ResolvedEndpoint {
  const where = `endpoints[${index}]`;
  if (!isObject(value)) throw new InvalidEventError(`${where} must be an object such as {"url":"https://..."}`);
  const e = value as EndpointCheck & Record<string, unknown>;
  unknownKeys(e, ENDPOINT_KEYS, where);
  if (typeof e.url !== 'string') throw new InvalidEventError(`${where}.url is required: an http:// or https:// URL`);
  let url: URL;
  try {
    url = new URL(e.url);
  } catch (cause) {
    throw new InvalidEventError(`${where}.url is not a valid URL: "${e.url}"`, { cause });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InvalidEventError(`${where}.url must be an http:// or https:// URL, got ${url.protocol}`);
  }
  const method = e.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') {
    throw new InvalidEventError(`${where}.method must be "GET" or "HEAD", got ${JSON.stringify(e.method)}`);
  }
  let expectStatus: number[] = [];
  if (e.expectStatus !== undefined) {
    const list = Array.isArray(e.expectStatus) ? e.expectStatus : [e.expectStatus];
    if (list.length === 0) throw new InvalidEventError(`${where}.expectStatus must not be an empty list`);
    expectStatus = list.map((s, i) =>
      integer(s, Array.isArray(e.expectStatus) ? `${where}.expectStatus[${i}]` : `${where}.expectStatus`, {
        min: 100,
        max: 599,
      }),
    );
  }
  const contains = e.contains === undefined ? null : text(e.contains, `${where}.contains`, LIMITS.containsLength);
  if (contains !== null && method === 'HEAD') {
    throw new InvalidEventError(`${where}: contains needs the body, so method must be GET`);
  }
  if (e.critical !== undefined && typeof e.critical !== 'boolean') {
    throw new InvalidEventError(`${where}.critical must be true or false, got ${JSON.stringify(e.critical)}`);
  }
  return {
    name:
      e.name === undefined
        ? `${url.host}${url.pathname === '/' ? '' : url.pathname}`
        : text(e.name, `${where}.name`, LIMITS.nameLength),
    url: url.href,
    displayUrl: displayUrl(url),
    method,
    expectStatus,
    contains,
    timeoutMs:
      e.timeoutMs === undefined ? defaults.timeoutMs : integer(e.timeoutMs, `${where}.timeoutMs`, LIMITS.timeoutMs),
    slowMs: e.slowMs === undefined ? defaults.slowMs : integer(e.slowMs, `${where}.slowMs`, LIMITS.slowMs),
    critical: e.critical ?? true,
  };
}

/** Validates the event and fills in every default. Throws InvalidEventError naming the first field to fix. */
export function resolveEvent(event: unknown): ResolvedEvent {
  if (!isObject(event)) {
    throw new InvalidEventError(
      `the event must be a JSON object with an "endpoints" list, e.g. ${EXAMPLE}; got ${JSON.stringify(event) ?? 'nothing'}`.slice(
        0,
        300,
      ),
    );
  }
  unknownKeys(event, EVENT_KEYS, 'the event');
  const e = event as HealthCheckEvent & Record<string, unknown>;
  if (!Array.isArray(e.endpoints) || e.endpoints.length === 0 || e.endpoints.length > LIMITS.endpoints) {
    throw new InvalidEventError(`"endpoints" must be a list of 1 to ${LIMITS.endpoints} endpoints, e.g. ${EXAMPLE}`);
  }
  const defaults = {
    timeoutMs:
      e.timeoutMs === undefined ? LIMITS.timeoutMs.default : integer(e.timeoutMs, 'timeoutMs', LIMITS.timeoutMs),
    slowMs: e.slowMs === undefined ? LIMITS.slowMs.default : integer(e.slowMs, 'slowMs', LIMITS.slowMs),
  };
  const report = e.report ?? 'always';
  if (report !== 'always' && report !== 'on-problem' && report !== 'never') {
    throw new InvalidEventError(`"report" must be "always", "on-problem" or "never", got ${JSON.stringify(e.report)}`);
  }
  const endpoints = e.endpoints.map((value, i) => resolveEndpoint(value, i, defaults));
  const seen = new Map<string, number>();
  endpoints.forEach((endpoint, i) => {
    const first = seen.get(endpoint.name);
    if (first !== undefined) {
      throw new InvalidEventError(
        `endpoints[${i}] has the same name as endpoints[${first}] ("${endpoint.name}"): give one of them a distinct "name"`,
      );
    }
    seen.set(endpoint.name, i);
  });
  return {
    job: e.job === undefined ? null : text(e.job, 'job', LIMITS.jobLength),
    endpoints,
    report,
    concurrency:
      e.concurrency === undefined
        ? LIMITS.concurrency.default
        : integer(e.concurrency, 'concurrency', LIMITS.concurrency),
  };
}
