import { maskEmail, maskPhone, redact } from '../../../functions/common/redact';

test('numbers and addresses are masked, URLs cut to their host', () => {
  expect(maskPhone('+447700900123')).toBe('+44********23');
  expect(maskEmail('alice@example.com')).toBe('a***@example.com');
  expect(
    redact(
      "Invalid 'To' Phone Number: +15551230001; 554 Message rejected: Email address is not verified: bob.smith@example.org; see https://hooks.slack.com/services/T0/B0/secret?x=1",
    ),
  ).toBe(
    "Invalid 'To' Phone Number: +15*******01; 554 Message rejected: Email address is not verified: b***@example.org; see https://hooks.slack.com/…",
  );
});

test('dates, codes and short numbers are kept', () => {
  expect(redact('error 21211 at 2030-01-31T07:30:00Z, HTTP 429')).toBe('error 21211 at 2030-01-31T07:30:00Z, HTTP 429');
});

test('control characters are collapsed and the text is bounded', () => {
  expect(redact('a\r\nb\u2028c')).toBe('a b c');
  expect(redact('x'.repeat(500), 50)).toHaveLength(50);
});
