/**
 * Email addresses and mailboxes ("address" or "Display Name <address>") from the configuration: parsed strictly
 * at init, so a typo fails the deploy's first invocation with the variable's name, and formatted for SES
 * (RFC 5322 quoting, RFC 2047 encoded-words for non-ASCII display names).
 */
import { ConfigurationError } from '../common/errors';

/** An ASCII address (SES requires a 7-bit local part; internationalised domains must be given as punycode). */
const ADDRESS =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

export type Mailbox = { address: string; displayName?: string };

export function isAddress(text: string): boolean {
  return text.length <= 320 && ADDRESS.test(text);
}

/**
 * What a header must never hold, exactly what the template's Sender pattern excludes: C0 and C1 controls, DEL,
 * U+2028/2029 and the bidi overrides and isolates (common/render.ts UNSAFE_IN_HEADER).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters must never reach a header
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** Parses `address` or `Display Name <address>` (the display name may be quoted). */
export function parseMailbox(text: string, variable: string): Mailbox {
  const value = text.trim();
  if (CONTROL.test(value))
    throw new ConfigurationError(
      `${variable} must not contain control characters, line separators or bidirectional overrides (CR, LF, NUL, U+2028, U+202E, ...)`,
    );
  const named = /^([\s\S]*?)\s*<([^<>]+)>$/.exec(value);
  const address = (named ? named[2] : value).trim();
  if (!isAddress(address)) {
    throw new ConfigurationError(
      `${variable} must be "address" or "Display Name <address>" with a plain ASCII address, got "${value}"`,
    );
  }
  if (!named) return { address };
  let displayName = named[1].trim();
  if (displayName.length >= 2 && displayName.startsWith('"') && displayName.endsWith('"')) {
    displayName = displayName.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  if (/[<>]/.test(displayName)) throw new ConfigurationError(`${variable}: the display name must not contain < or >`);
  return displayName ? { address, displayName } : { address };
}

/** A comma-separated list of plain addresses; duplicates (ignoring case) are dropped. */
export function parseAddressList(text: string | undefined, variable: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const raw of (text ?? '').split(',')) {
    const address = raw.trim();
    if (!address) continue;
    if (!isAddress(address)) {
      throw new ConfigurationError(
        `${variable} must be a comma-separated list of email addresses; "${address}" is not one`,
      );
    }
    if (seen.has(address.toLowerCase())) continue;
    seen.add(address.toLowerCase());
    out.push(address);
  }
  return out;
}

/** The domain part of an address, lower-cased (SES domain identities are lower-case). */
export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

const ATOM_TEXT = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+$/;

/** Formats a mailbox for a header: plain words as they are, punctuation quoted, non-ASCII as RFC 2047 words. */
export function formatMailbox(mailbox: Mailbox): string {
  const { address, displayName } = mailbox;
  if (!displayName) return address;
  if (/^[\u0020-\u007e]*$/.test(displayName)) {
    const name = ATOM_TEXT.test(displayName) ? displayName : `"${displayName.replace(/(["\\])/g, '\\$1')}"`;
    return `${name} <${address}>`;
  }
  return `${encodedWords(displayName)} <${address}>`;
}

/** RFC 2047 B-encoded words of at most 75 characters each, never splitting a character. */
function encodedWords(text: string): string {
  const words: string[] = [];
  let chunk = '';
  for (const char of text) {
    if (Buffer.byteLength(chunk + char, 'utf8') > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += char;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join(' ');
}
