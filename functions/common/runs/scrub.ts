/**
 * Error messages go into the runs ledger, events and notifications, which many people read and keep for months.
 * A job's error message can carry what the job was handling: addresses, phone numbers, tokens, URLs with keys.
 * `scrubMessage` keeps what helps an operator (the error's words, hosts, status codes) and replaces the rest.
 *
 * Best effort by nature (a name in free text cannot be recognised): the Runs app's `ErrorMessages: none` stores
 * error types only, for jobs whose errors may hold personal data in forms this cannot see.
 */

export const MAX_MESSAGE_CHARS = 300;
export const MAX_TYPE_CHARS = 100;

const RULES: [RegExp, string][] = [
  // Userinfo, path and query of URLs: keep scheme and host.
  [/\b([a-z][a-z0-9+.-]*:\/\/)(?:[^\s/@]+@)?([^\s/?#:]+)(?::\d+)?[^\s]*?(?=[.,;:!?)\]]*(?:\s|$))/gi, '$1$2/…'],
  [/[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g, '[email]'],
  // JWTs, AWS access keys, long hex/base64 secrets.
  [/\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, '[token]'],
  [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, '[key]'],
  [/[A-Za-z0-9+/_-]{32,}={0,2}/g, '[token]'],
  // Phone numbers: E.164, common national forms, and any run of 9+ digits (accounts, cards).
  [/\+\d[\d\s().-]{6,}\d/g, '[number]'],
  [/\(?\b\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b/g, '[number]'],
  [/\b\d{9,}\b/g, '[number]'],
  // IPv4 addresses.
  [/\b\d{1,3}(?:\.\d{1,3}){3}\b/g, '[ip]'],
  // key=value / key: value pairs whose key says secret.
  [
    /\b(password|passwd|pwd|secret|token|api[_-]?key|authorization|auth)\b(\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/gi,
    '$1$2[redacted]',
  ],
];

/** Lambda prefixes runtime errors with the request id ("RequestId: <uuid> Error: ..."): it says nothing new. */
const REQUEST_ID_PREFIX =
  /^(?:\d{4}-\d{2}-\d{2}T[\d:.]+Z\s+)?(?:RequestId:\s*)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\s+(?:Error:\s*)?/i;

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
const CONTROL = /[\u0000-\u001f\u007f-\u009f]+/g;

export function scrubMessage(message: string): string {
  let out = message.replace(CONTROL, ' ').replace(REQUEST_ID_PREFIX, '');
  for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement);
  out = out.replace(/\s+/g, ' ').trim();
  return out.length > MAX_MESSAGE_CHARS ? `${out.slice(0, MAX_MESSAGE_CHARS - 1)}…` : out;
}

/** An error type is a class name (`TypeError`, `Runtime.ExitError`, `Sandbox.Timedout`): anything else is dropped. */
export function cleanErrorType(type: unknown): string | undefined {
  if (typeof type !== 'string') return undefined;
  const t = type.trim();
  return /^[A-Za-z_$][\w$.:-]*$/.test(t) && t.length <= MAX_TYPE_CHARS ? t : undefined;
}
