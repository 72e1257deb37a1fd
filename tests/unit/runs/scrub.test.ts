/** Error messages keep their words, hosts and codes; personal data and secrets are replaced. */
import { cleanErrorType, MAX_MESSAGE_CHARS, scrubMessage } from '../../../functions/common/runs/scrub';

test.each([
  ['could not email jane.doe@example.com', 'could not email [email]'],
  ['SMS to +33 6 12 34 56 78 failed', 'SMS to [number] failed'],
  ['call (415) 555-0100 now', 'call [number] now'],
  ['account 123456789012 locked', 'account [number] locked'],
  [
    'GET https://user:pw@api.example.com:8443/v1/users/42?key=s3cr3t failed: 503',
    'GET https://api.example.com/… failed: 503',
  ],
  ['bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc', 'bearer [token]'],
  ['key AKIAIOSFODNN7EXAMPLE rejected', 'key [key] rejected'],
  ['hash 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 mismatch', 'hash [token] mismatch'],
  ['password=hunter2 is wrong', 'password=[redacted] is wrong'],
  ['client 10.1.2.3 refused', 'client [ip] refused'],
  ['RequestId: 5d7c1a2b-9e3f-4a6b-8c1d-2e3f4a5b6c7d Error: Runtime exited', 'Runtime exited'],
  ['line one\nline\ttwo\u0000', 'line one line two'],
  ['2030-01-07 report: 12 rows', '2030-01-07 report: 12 rows'],
])('%j -> %j', (input, expected) => {
  expect(scrubMessage(input)).toBe(expected);
});

test('long messages are cut', () => {
  const out = scrubMessage('word '.repeat(200));
  expect(out.length).toBe(MAX_MESSAGE_CHARS);
  expect(out.endsWith('…')).toBe(true);
});

test('error types are class names or nothing', () => {
  expect(cleanErrorType('Runtime.ExitError')).toBe('Runtime.ExitError');
  expect(cleanErrorType('TypeError')).toBe('TypeError');
  expect(cleanErrorType('oops: jane@example.com')).toBeUndefined();
  expect(cleanErrorType(42)).toBeUndefined();
});
