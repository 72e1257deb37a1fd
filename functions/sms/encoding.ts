/**
 * SMS text arithmetic: which encoding a body needs (GSM-7 or UCS-2), how many segments it takes, and how to cut a
 * body to Twilio's 1,600-character limit.
 *
 * - GSM-7 (3GPP TS 23.038 default alphabet): 160 septets in one segment, 153 per segment when concatenated; the
 *   extension characters (^ { } \ [ ~ ] | € and form feed) take two septets and are never split across segments.
 * - UCS-2 (in practice UTF-16): 70 code units in one segment, 67 per segment when concatenated; a surrogate pair
 *   (an emoji, say) is never split across segments.
 */

export type SmsEncoding = 'GSM-7' | 'UCS-2';

/** Twilio refuses a body longer than this (error 21617). Counted in UTF-16 code units, which is never fewer than characters. */
export const MAX_BODY_LENGTH = 1600;

const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM7_EXTENSION = '\f^{}\\[~]|€';

const BASIC = new Set(GSM7_BASIC);
const EXTENSION = new Set(GSM7_EXTENSION);

/** Septets a character takes in GSM-7, or undefined when GSM-7 cannot carry it. */
function septets(char: string): 1 | 2 | undefined {
  if (BASIC.has(char)) return 1;
  if (EXTENSION.has(char)) return 2;
  return undefined;
}

export function isGsm7(text: string): boolean {
  for (const char of text) if (septets(char) === undefined) return false;
  return true;
}

export function encodingOf(text: string): SmsEncoding {
  return isGsm7(text) ? 'GSM-7' : 'UCS-2';
}

/** Units per character in the body's encoding: septets for GSM-7, UTF-16 code units for UCS-2. */
function units(char: string, encoding: SmsEncoding): number {
  return encoding === 'GSM-7' ? (septets(char) as number) : char.length;
}

export type SegmentInfo = {
  encoding: SmsEncoding;
  /** Characters as a person counts them (Unicode code points). */
  characters: number;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  units: number;
  segments: number;
  /** Units each segment may hold for this body: 160/70 for a single segment, 153/67 when concatenated. */
  perSegment: number;
};

/** Encoding and segment count of a body, as the carrier network will split it. An empty body is one segment. */
export function segmentInfo(text: string): SegmentInfo {
  const encoding = encodingOf(text);
  const single = encoding === 'GSM-7' ? 160 : 70;
  const multi = encoding === 'GSM-7' ? 153 : 67;
  const chars = [...text];
  const total = chars.reduce((sum, c) => sum + units(c, encoding), 0);
  if (total <= single) return { encoding, characters: chars.length, units: total, segments: 1, perSegment: single };
  let segments = 1;
  let used = 0;
  for (const char of chars) {
    const n = units(char, encoding);
    if (used + n > multi) {
      segments += 1;
      used = 0;
    }
    used += n;
  }
  return { encoding, characters: chars.length, units: total, segments, perSegment: multi };
}

/** How far back (in code units) a cut may move to end on a space rather than inside a word. */
const WORD_BOUNDARY_WINDOW = 20;

export type FittedBody = { body: string; truncated: boolean; originalLength: number };

/**
 * Cuts a body longer than `limit` UTF-16 code units so that it fits with a visible ellipsis. The ellipsis is "..."
 * for a GSM-7 body (the single-character "…" is not in GSM-7 and would turn the whole text into UCS-2, multiplying
 * its segments) and "…" otherwise. The cut moves back to a space if one is within 20 characters; a surrogate pair
 * is never cut in half.
 */
export function fitBody(text: string, limit = MAX_BODY_LENGTH): FittedBody {
  if (text.length <= limit) return { body: text, truncated: false, originalLength: text.length };
  const ellipsis = isGsm7(text) ? '...' : '…';
  let end = limit - ellipsis.length;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1; // would leave a lone high surrogate
  // Prefer ending at a word boundary when one is close.
  const space = text.lastIndexOf(' ', end);
  if (space > end - WORD_BOUNDARY_WINDOW && space > 0) end = space;
  return { body: text.slice(0, end).trimEnd() + ellipsis, truncated: true, originalLength: text.length };
}
