/** What one publish sends: attributes, subject and SNS's limits, checked before SNS sees the message. */
import { InvalidMessageError, MAX_MESSAGE_BYTES, MessageTooLargeError, prepareMessage, snsSubject } from '../src/index';

const prepare = (message: unknown, options?: Parameters<typeof prepareMessage>[3]) =>
  prepareMessage('ALERTS', 'nightly-report', message, options);

function refusal(run: () => unknown): Error {
  try {
    run();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a refusal');
}

describe('attributes', () => {
  test("job, type, severity and the job's own, in SNS's wire shape", () => {
    const p = prepare(
      { ok: false },
      {
        type: 'alert',
        severity: 'critical',
        attributes: { down: 3, region: 'eu-west-1', paged: true, hosts: ['a', 'b'], skipped: undefined },
      },
    );
    expect(p.Message).toBe('{"ok":false}');
    expect(p.MessageAttributes).toEqual({
      job: { DataType: 'String', StringValue: 'nightly-report' },
      type: { DataType: 'String', StringValue: 'alert' },
      severity: { DataType: 'String', StringValue: 'critical' },
      down: { DataType: 'Number', StringValue: '3' },
      region: { DataType: 'String', StringValue: 'eu-west-1' },
      paged: { DataType: 'String', StringValue: 'true' },
      hosts: { DataType: 'String.Array', StringValue: '["a","b"]' },
    });
  });

  test('a string message is sent as it is; only job is set without options', () => {
    const p = prepare('disk 91% full');
    expect(p.Message).toBe('disk 91% full');
    expect(p.Subject).toBeUndefined();
    expect(Object.keys(p.MessageAttributes)).toEqual(['job']);
  });

  const refused: [string, () => unknown, RegExp][] = [
    ['empty message', () => prepare(''), /the message to ALERTS is empty/],
    ['undefined message', () => prepare(undefined), /cannot be written as JSON/],
    [
      'unknown severity',
      () => prepare('x', { severity: 'high' as never }),
      /severity .* must be one of critical, error, warning, info, got "high"/,
    ],
    ['empty type', () => prepare('x', { type: '' }), /attribute "type" is empty/],
    [
      'reserved name',
      () => prepare('x', { attributes: { severity: 'info' } }),
      /attribute "severity" is set by the library: use the severity option/,
    ],
    ['job attribute', () => prepare('x', { attributes: { job: 'other' } }), /job option of loadTopics/],
    ['AWS. prefix', () => prepare('x', { attributes: { 'aws.trace': 'x' } }), /prefix AWS reserves/],
    ['Amazon. prefix', () => prepare('x', { attributes: { 'AMAZON.x': 'x' } }), /prefix AWS reserves/],
    [
      'bad characters',
      () => prepare('x', { attributes: { 'disk usage': 1 } }),
      /attribute name "disk usage" must be 1-256/,
    ],
    ['leading period', () => prepare('x', { attributes: { '.x': 1 } }), /must be 1-256/],
    ['two periods', () => prepare('x', { attributes: { 'a..b': 1 } }), /never two in a row/],
    ['too long name', () => prepare('x', { attributes: { ['a'.repeat(257)]: 1 } }), /must be 1-256/],
    ['empty value', () => prepare('x', { attributes: { host: '' } }), /attribute "host" is empty/],
    ['NaN', () => prepare('x', { attributes: { ratio: Number.NaN } }), /"ratio" must be a finite number/],
    [
      'object value',
      () => prepare('x', { attributes: { o: {} as never } }),
      /must be a string, number, boolean or a list/,
    ],
    [
      'list of objects',
      () => prepare('x', { attributes: { l: [{}] as never } }),
      /must list strings, finite numbers or booleans/,
    ],
    [
      'eleven attributes',
      () =>
        prepare('x', {
          type: 'a',
          severity: 'info',
          attributes: Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`a${i}`, i])),
        }),
      /has 11 attributes .*; at most 10: SQS subscriptions with raw message delivery discard/,
    ],
  ];
  test.each(refused)('refused: %s', (_name, run, message) => {
    const error = refusal(run);
    expect(error).toBeInstanceOf(InvalidMessageError);
    expect(error.message).toMatch(message);
  });

  test('ten attributes are fine; 256-character names are fine', () => {
    expect(() =>
      prepare('x', {
        type: 'a',
        severity: 'info',
        attributes: Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`a${i}`, i])),
      }),
    ).not.toThrow();
    expect(() => prepare('x', { attributes: { ['a'.repeat(256)]: 1 } })).not.toThrow();
  });
});

describe('size', () => {
  test('256 KiB counts the body in UTF-8 bytes plus every attribute name, type and value', () => {
    const attributes = 'job'.length + 'String'.length + 'nightly-report'.length;
    const exact = 'x'.repeat(MAX_MESSAGE_BYTES - attributes);
    expect(prepare(exact).bytes).toBe(MAX_MESSAGE_BYTES);
    const error = refusal(() => prepare(`${exact}x`)) as MessageTooLargeError;
    expect(error).toBeInstanceOf(MessageTooLargeError);
    expect(error.bytes).toBe(MAX_MESSAGE_BYTES + 1);
    expect(error.message).toBe(
      'the message to ALERTS is 262,145 bytes with its attributes; SNS takes at most 262,144 (256 KiB): publish a summary and keep the details elsewhere (e.g. S3, linked from the message)',
    );
  });

  test('multi-byte characters count as bytes, not characters', () => {
    const euro = '€'.repeat(Math.floor(MAX_MESSAGE_BYTES / 3)); // 3 bytes each: fits in characters, not in bytes
    expect(refusal(() => prepare(euro, { type: 'report' }))).toBeInstanceOf(MessageTooLargeError);
  });
});

describe('subjects', () => {
  test('accents folded, other characters as ?, line breaks and controls as spaces', () => {
    expect(snsSubject('Überwachung ✓ shop')).toBe('Uberwachung ? shop');
    expect(snsSubject('line one\r\nline two\u2028three\tfour\u0000')).toBe('line one line two three four');
    expect(snsSubject('  leading spaces')).toBe('leading spaces');
    expect(snsSubject(' \n\t ')).toBeUndefined();
  });

  test('cut to 100 characters with an ellipsis; 100 exactly is kept', () => {
    expect(snsSubject('a'.repeat(100))).toBe('a'.repeat(100));
    const cut = snsSubject(`${'word '.repeat(30)}end`) ?? '';
    expect(cut.length).toBeLessThanOrEqual(100);
    expect(cut.endsWith('...')).toBe(true);
    expect(cut).toMatch(/^[\x20-\x7e]+$/);
  });

  test('the prepared subject is the safe one; a blank subject sends none', () => {
    expect(prepare('x', { subject: 'Rapport: 3 hôtes\nen panne' }).Subject).toBe('Rapport: 3 hotes en panne');
    expect(prepare('x', { subject: '\n' }).Subject).toBeUndefined();
  });
});
