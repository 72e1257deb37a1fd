/**
 * Checks a custom resource request's ResponseURL before a provider does anything else with it. Shared by every
 * Cloud Cron custom resource provider (the image mirror, the Runs app's bus and registrar) and enforced again by
 * the response sender (cfn-response.ts), so no provider can PUT to a URL that is not CloudFormation's.
 *
 * CloudFormation answers go to a pre-signed S3 URL of CloudFormation's own response bucket in the stack's region,
 * `cloudformation-custom-resource-response-<region without dashes>` (AWS CloudFormation User Guide, "Setting up VPC
 * endpoints": e.g. `uswest2` for us-west-2). The function and the stack share a region (a custom resource's
 * ServiceToken must be in the stack's region), so only that bucket is accepted, over https on S3's standard
 * endpoints of the region (virtual-hosted or path-style, `s3.` or the older `s3-` form, dual-stack and FIPS),
 * `amazonaws.com.cn` in the China regions. Anything else is refused: whoever can invoke the function (or start a
 * build) must not be able to make it PUT to a URL of their choice, nor make it do any work on a forged request.
 */
import { CloudCronError, ConfigurationError } from './errors';

/** The ResponseURL cannot be used: the request can only be logged and dead-lettered, never answered. */
export class UnusableResponseUrlError extends CloudCronError {
  override name = 'UnusableResponseUrlError';
}

export type ResponseUrlPolicy = {
  /** The function's region (AWS_REGION). */
  region: string;
  /** Test-only: also accept http(s) URLs on 127.0.0.1, ::1 or localhost (LOOPBACK_SWITCH). */
  allowLoopback?: boolean;
};

/**
 * The test-only switch that lets a provider answer a loopback `http://127.0.0.1` ResponseURL (a local stand-in
 * for CloudFormation's S3 bucket, used by the tests, the benchmarks and `npm start`). No template sets it
 * (tests/templates/conventions.test.ts greps them all).
 */
export const LOOPBACK_SWITCH = 'CLOUD_CRON_TEST_ALLOW_LOOPBACK_RESPONSE_URL';

type Env = Record<string, string | undefined>;

/** The policy of a provider, read once at init: its region (set by Lambda) and the test-only switch. */
export function readResponseUrlPolicy(env: Env = process.env): ResponseUrlPolicy {
  const region = env.AWS_REGION?.trim();
  if (!region)
    throw new ConfigurationError('environment variable AWS_REGION is required but is not set (Lambda sets it)');
  const loopback = env[LOOPBACK_SWITCH]?.trim();
  if (loopback !== undefined && loopback !== '' && loopback !== 'true' && loopback !== 'false') {
    throw new ConfigurationError(`${LOOPBACK_SWITCH} must be true or false when set, got "${loopback}"`);
  }
  return { region, allowLoopback: loopback === 'true' };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** CloudFormation's custom resource response bucket of a region. */
export function responseBucket(region: string): string {
  return `cloudformation-custom-resource-response-${region.replace(/-/g, '')}`;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The S3 endpoint host names of a region (without the bucket), as a regular expression alternative. */
function s3Endpoints(region: string): string {
  const r = escapeRe(region);
  const domain = region.startsWith('cn-') ? 'amazonaws\\.com\\.cn' : 'amazonaws\\.com';
  const regional = `s3(?:-fips)?(?:\\.dualstack)?\\.${r}\\.${domain}|s3-${r}\\.${domain}`;
  // The legacy global endpoint exists only in the aws partition.
  return region.startsWith('cn-') || region.startsWith('us-gov-') ? regional : `${regional}|s3\\.amazonaws\\.com`;
}

/** The host of a URL for messages: never the path or query, which carry the signature. */
export function describeHost(raw: unknown): string {
  try {
    return new URL(String(raw)).host || 'no host';
  } catch {
    return 'not a URL';
  }
}

/** The URL, parsed, when it is CloudFormation's; else UnusableResponseUrlError naming the problem (never the query). */
export function checkResponseUrl(raw: unknown, policy: ResponseUrlPolicy): URL {
  if (typeof raw !== 'string' || raw.length === 0) {
    throw new UnusableResponseUrlError('the request has no ResponseURL');
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch (e) {
    throw new UnusableResponseUrlError('ResponseURL is not a URL', { cause: e });
  }
  if (url.username || url.password) throw new UnusableResponseUrlError('ResponseURL must not carry credentials');
  if (policy.allowLoopback && LOOPBACK.has(url.hostname) && (url.protocol === 'http:' || url.protocol === 'https:')) {
    return url;
  }
  if (url.protocol !== 'https:') {
    throw new UnusableResponseUrlError(`ResponseURL must use https, not ${url.protocol.replace(/:$/, '')}`);
  }
  if (url.port && url.port !== '443') throw new UnusableResponseUrlError(`ResponseURL port ${url.port} is not 443`);
  const bucket = escapeRe(responseBucket(policy.region));
  const endpoints = s3Endpoints(policy.region);
  const host = url.hostname.toLowerCase();
  const virtualHosted = new RegExp(`^${bucket}\\.(?:${endpoints})$`).test(host);
  const pathStyle =
    new RegExp(`^(?:${endpoints})$`).test(host) && url.pathname.startsWith(`/${responseBucket(policy.region)}/`);
  if (!virtualHosted && !pathStyle) {
    throw new UnusableResponseUrlError(
      `ResponseURL host ${url.host} is not CloudFormation's response bucket ${responseBucket(policy.region)} on S3 in ${policy.region}`,
    );
  }
  if (url.pathname.length <= 1) throw new UnusableResponseUrlError('ResponseURL names no object');
  return url;
}
