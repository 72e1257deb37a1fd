/**
 * Personal data and credentials never reach a log line, an error message or a dead-letter queue's ErrorMessage:
 * everything a third party answers (SES, Twilio, a webhook) goes through `redact()` first, and recipients are only
 * ever shown masked.
 */

/** "+447700900123" -> "+44*******23": enough to tell recipients apart, not enough to be personal data. */
export function maskPhone(number: string): string {
  if (number.length <= 5) return '*'.repeat(number.length);
  return number.slice(0, 3) + '*'.repeat(number.length - 5) + number.slice(-2);
}

/** "alice@example.com" -> "a***@example.com". */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 1) return '***';
  return `${address[0]}***${address.slice(at)}`;
}

const EMAIL = /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+/g;
// An international number (+ then digits and the usual separators), or a bare run of 10-15 digits.
const PHONE = /\+\d[\d ().-]{5,}\d|\b\d{10,15}\b/g;
// A URL keeps its scheme and host; its path and query (webhook tokens, signed parameters) are dropped.
const URL_PATTERN = /\b(https?):\/\/([^\s/?#"'<>]+)[^\s"'<>]*/gi;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are removed from what is logged
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/**
 * A third party's text made safe to log: URLs cut to their host, addresses and numbers masked, control characters
 * collapsed, and at most `max` characters.
 */
export function redact(text: string, max = 300): string {
  const out = text
    .replace(URL_PATTERN, (_m, scheme: string, host: string) => `${scheme}://${host}/…`)
    .replace(EMAIL, (m) => maskEmail(m))
    .replace(PHONE, (m) => {
      const digits = m.replace(/\D/g, '');
      // Timestamps and years are not phone numbers: only mask what has the length of one.
      return digits.length >= 7 && digits.length <= 15 ? maskPhone(m.replace(/[ ().-]/g, '')) : m;
    })
    .replace(CONTROL, ' ')
    .trim();
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}

/**
 * A copy of a third party's error safe to keep as a cause (loggers print causes): its name, code and HTTP status,
 * and its message redacted; no stack, no response object.
 */
export function redactedError(error: unknown): Error {
  const e = error instanceof Error ? error : new Error(String(error));
  const copy = new Error(redact(e.message ?? ''));
  copy.name = e.name;
  copy.stack = `${copy.name}: ${copy.message}`;
  const meta = e as { code?: unknown; $metadata?: { httpStatusCode?: number }; status?: unknown };
  if (meta.code !== undefined) (copy as Error & { code?: unknown }).code = meta.code;
  const status = meta.$metadata?.httpStatusCode ?? meta.status;
  if (status !== undefined) (copy as Error & { status?: unknown }).status = status;
  return copy;
}
