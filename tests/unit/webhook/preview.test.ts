/**
 * `cloud-cron preview webhook` through cli/main.ts, as a user runs it: the exact body the function sends.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SNSEvent } from 'aws-lambda';
import { main } from '../../../cli/main';
import { contextFromRecord } from '../../../functions/common/context';
import { createRenderer } from '../../../functions/webhook/presets';
import { EVENTS } from '../../../tooling/paths';
import { checkDiscord, checkPagerDuty, checkSlack, checkTeams } from '../../../tooling/webhook-contracts';

let out: string[];
let err: string[];
beforeEach(() => {
  out = [];
  err = [];
  jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
});
afterEach(() => jest.restoreAllMocks());

const file = (name: string) => join(EVENTS, name);

test('slack: prints the very body the function posts (compact JSON)', async () => {
  expect(await main(['preview', 'webhook', '--preset', 'slack', '--message', file('webhook-text.json')])).toBe(0);
  const event = JSON.parse(readFileSync(file('webhook-text.json'), 'utf8')) as SNSEvent;
  const expected = createRenderer({ preset: 'slack', severityAttribute: 'severity', defaultSeverity: 'error' })(
    contextFromRecord(event.Records[0]),
    {},
  ).body;
  expect(out).toEqual([expected]);
  expect(checkSlack(JSON.parse(out[0]))).toEqual({ ok: true, violations: [] });
});

test.each([
  ['teams', checkTeams],
  ['pagerduty', checkPagerDuty],
  ['discord', checkDiscord],
] as const)('%s: the printed body meets the vendor contract', async (preset, check) => {
  expect(
    await main(['preview', 'webhook', '--preset', preset, '--message', file('webhook-json.json'), '--pretty']),
  ).toBe(0);
  expect(check(JSON.parse(out.join('\n')))).toEqual({ ok: true, violations: [] });
});

test('generic: a body template, and the headers with --headers', async () => {
  const code = await main([
    'preview',
    'webhook',
    '--preset',
    'generic',
    '--message',
    file('webhook-json.json'),
    '--body-template',
    '{"text": "{{subject}}", "host": "{{message.host}}"}',
    '--headers',
  ]);
  expect(code).toBe(0);
  expect(out).toEqual([
    'Content-Type: application/json; charset=utf-8',
    'X-Cloud-Cron-Message-Id: 8e1f0a2b-3c4d-4e5f-a6b7-c8d9e0f1a2b3',
    '',
    '{"text": "Certificate expiry", "host": "api.example.com"}',
  ]);
});

test.each([
  [['--message', 'events/webhook-text.json'], 2, '--preset slack|teams|pagerduty|discord|generic is required'],
  [['--preset', 'telegram', '--message', 'x'], 2, '--preset must be one of'],
  [['--preset', 'slack'], 2, '--message FILE is required'],
  [['--preset', 'slack', '--message', 'nope.json'], 1, '--message nope.json is not a file'],
  [
    ['--preset', 'slack', '--message', 'events/webhook-text.json', '--body-template', '{}'],
    1,
    'only used by the generic preset',
  ],
  [
    ['--preset', 'generic', '--message', 'events/webhook-text.json', '--body-template', '{"a": {{rawMessage}}}'],
    1,
    'does not render valid JSON',
  ],
  [['--preset', 'slack', '--message', 'events/webhook-text.json', '--bogus'], 2, 'unknown option --bogus'],
])('%j exits %i: %s', async (args, code, message) => {
  expect(await main(['preview', 'webhook', ...args])).toBe(code);
  expect(err.join('\n')).toContain(message);
});

test('--help prints the usage on stdout and exits 0', async () => {
  expect(await main(['preview', 'webhook', '--help'])).toBe(0);
  expect(out.join('\n')).toMatch(
    /^usage: cloud-cron preview webhook --preset slack\|teams\|pagerduty\|discord\|generic/,
  );
});
