/**
 * `cloud-cron preview sms` through cli/main.ts, as a user runs it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../../cli/main';
import { EVENTS, tempDir } from '../../../tooling/paths';

let out: string[];
let err: string[];
beforeEach(() => {
  out = [];
  err = [];
  jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
});
afterEach(() => jest.restoreAllMocks());

test('the default rendering of an SNS event file, with length, encoding and segments', async () => {
  expect(await main(['preview', 'sms', '--message', join(EVENTS, 'sms-json.json')])).toBe(0);
  expect(out.join('\n')).toBe(
    [
      '----- SMS body -----',
      'Certificate expiry\nhost      api.example.com\ndaysLeft  6\nstatus    renewal failed',
      '--------------------',
      'length:   81 characters (81 UTF-16 code units; Twilio allows 1600)',
      'encoding: GSM-7 (81 septets)',
      'segments: 1 (up to 160 septets each)',
    ].join('\n'),
  );
});

test('a template given as text; a character outside GSM-7 makes it UCS-2 and says which', async () => {
  const code = await main([
    'preview',
    'sms',
    '--message',
    join(EVENTS, 'sms-text.json'),
    '--template',
    '“{{subject}}” {{attributes.severity}}: {{rawMessage}}',
  ]);
  expect(code).toBe(0);
  const report = out.join('\n');
  expect(report).toContain('“Nightly backup failed” critical: The nightly backup of db-prod-1');
  expect(report).toContain('encoding: UCS-2 (113 code units), because of "“" "”"');
  expect(report).toContain('segments: 2 (up to 67 code units each)');
});

test('a template file and a plain-text message file with --subject; a long body is cut and flagged', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'sms.hbs'), '[{{subject}}] {{message}}');
  writeFileSync(join(dir, 'message.txt'), 'load high '.repeat(200));
  expect(
    await main([
      'preview',
      'sms',
      '--message',
      join(dir, 'message.txt'),
      '--template',
      join(dir, 'sms.hbs'),
      '--subject',
      'web-1',
    ]),
  ).toBe(0);
  const report = out.join('\n');
  expect(report).toMatch(/^----- SMS body -----\n\[web-1\] load high load high/);
  expect(report).toContain('segments: 11 (up to 153 septets each)');
  expect(report).toContain('warning:  the rendered text is 2007 code units; it was cut to fit');
});

test('mistakes get a clear message and a non-zero exit', async () => {
  expect(await main(['preview', 'sms'])).toBe(2);
  expect(err.join('\n')).toContain('--message FILE is required');
  expect(await main(['preview', 'sms', '--message', '/nonexistent/file.json'])).toBe(1);
  expect(err.join('\n')).toContain('--message /nonexistent/file.json is not a file');
  expect(await main(['preview', 'sms', '--message', join(EVENTS, 'sms-text.json'), '--template', '{{#each}}'])).toBe(1);
  expect(err.join('\n')).toContain('template MessageTemplate is invalid: it does not compile');
  expect(await main(['preview', 'sms', '--bogus'])).toBe(2);
});
