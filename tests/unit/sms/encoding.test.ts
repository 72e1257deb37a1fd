import { encodingOf, fitBody, isGsm7, MAX_BODY_LENGTH, segmentInfo } from '../../../functions/sms/encoding';

describe('encoding', () => {
  test('GSM-7 covers the default alphabet and its extension table', () => {
    expect(isGsm7('naïve')).toBe(false); // ï is not in GSM-7
    expect(isGsm7('Hello @ £5, Ä Ö Ñ Ü § ¿ à é è ù ì ò Ç Ø å Δ _ Φ Γ Λ Ω Π Ψ Σ Θ Ξ Æ æ ß É ¡\r\n')).toBe(true);
    expect(isGsm7('braces {} [x] ~ | \\ ^ €')).toBe(true);
    expect(encodingOf('disk full')).toBe('GSM-7');
    expect(encodingOf('disk full 🔥')).toBe('UCS-2');
    expect(encodingOf('Température')).toBe('GSM-7'); // é is in GSM-7
    expect(encodingOf('Temperatur “hoch”')).toBe('UCS-2'); // curly quotes are not
    expect(encodingOf('…')).toBe('UCS-2');
  });

  test('GSM-7 segments: 160 in one, 153 per part beyond', () => {
    expect(segmentInfo('')).toMatchObject({ segments: 1, units: 0 });
    expect(segmentInfo('a'.repeat(160))).toMatchObject({ encoding: 'GSM-7', segments: 1, units: 160, perSegment: 160 });
    expect(segmentInfo('a'.repeat(161))).toMatchObject({ segments: 2, perSegment: 153 });
    expect(segmentInfo('a'.repeat(306)).segments).toBe(2);
    expect(segmentInfo('a'.repeat(307)).segments).toBe(3);
    expect(segmentInfo('a'.repeat(1600)).segments).toBe(11);
  });

  test('GSM-7 extension characters take two septets and are not split across parts', () => {
    expect(segmentInfo('{'.repeat(80))).toMatchObject({ units: 160, segments: 1, characters: 80 });
    expect(segmentInfo('{'.repeat(81))).toMatchObject({ units: 162, segments: 2 });
    // 152 septets, then an escape pair that would straddle the 153 boundary: it moves to part two.
    expect(segmentInfo(`${'a'.repeat(152)}€${'a'.repeat(152)}`).segments).toBe(3);
    expect(segmentInfo(`${'a'.repeat(151)}€${'a'.repeat(153)}`).segments).toBe(2);
  });

  test('UCS-2 segments: 70 in one, 67 per part, surrogate pairs kept whole', () => {
    expect(segmentInfo('ж'.repeat(70))).toMatchObject({ encoding: 'UCS-2', segments: 1, perSegment: 70 });
    expect(segmentInfo('ж'.repeat(71))).toMatchObject({ segments: 2, perSegment: 67 });
    expect(segmentInfo('ж'.repeat(134)).segments).toBe(2);
    expect(segmentInfo('ж'.repeat(135)).segments).toBe(3);
    expect(segmentInfo('😀'.repeat(35))).toMatchObject({ units: 70, characters: 35, segments: 1 });
    // 66 units then an emoji (2 units): it does not fit the 67-unit part and starts the next.
    expect(segmentInfo(`${'ж'.repeat(66)}😀${'ж'.repeat(66)}`).segments).toBe(3);
    expect(segmentInfo(`${'ж'.repeat(65)}😀${'ж'.repeat(67)}`).segments).toBe(2);
  });
});

describe('fitBody', () => {
  test('leaves a body within the limit untouched', () => {
    const text = 'x'.repeat(MAX_BODY_LENGTH);
    expect(fitBody(text)).toEqual({ body: text, truncated: false, originalLength: 1600 });
  });

  test('cuts a GSM-7 body with "..." so it stays GSM-7', () => {
    const fitted = fitBody('word '.repeat(500));
    expect(fitted.truncated).toBe(true);
    expect(fitted.originalLength).toBe(2500);
    expect(fitted.body.length).toBeLessThanOrEqual(1600);
    expect(fitted.body.endsWith('word...')).toBe(true);
    expect(encodingOf(fitted.body)).toBe('GSM-7');
    expect(segmentInfo(fitted.body).segments).toBe(11);
  });

  test('cuts a UCS-2 body with "…" and never halves a surrogate pair', () => {
    const text = `${'ж'.repeat(1598)}😀😀😀`;
    const fitted = fitBody(text);
    expect(fitted.body).toBe(`${'ж'.repeat(1598)}…`);
    const emoji = fitBody('😀'.repeat(900));
    expect(emoji.body.length).toBeLessThanOrEqual(1600);
    expect(emoji.body.endsWith('😀…')).toBe(true);
    expect(() => encodeURIComponent(emoji.body)).not.toThrow(); // throws on a lone surrogate
  });

  test('ends on a nearby space rather than inside a word; cuts inside a very long word', () => {
    expect(fitBody('abc defghij', 8).body).toBe('abc...');
    expect(fitBody('abcdefghij', 8).body).toBe('abcde...');
    expect(fitBody(`${'x'.repeat(1590)} ${'y'.repeat(100)}`).body).toBe(`${'x'.repeat(1590)}...`);
    expect(fitBody(`${'x'.repeat(1500)} ${'y'.repeat(200)}`).body).toBe(`${'x'.repeat(1500)} ${'y'.repeat(96)}...`);
  });
});
