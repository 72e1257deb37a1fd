import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../../cli/preview-email';
import { sampleContext } from '../../../cli/sample';
import { EVENTS, tempDir } from '../../../tooling/paths';

let out: string;
let errors: string[];
let logs: string[];

beforeEach(() => {
  out = tempDir('email-preview-');
  errors = [];
  logs = [];
  jest.spyOn(console, 'error').mockImplementation((m: string) => void errors.push(m));
  jest.spyOn(console, 'log').mockImplementation((m: string) => void logs.push(m));
});
afterEach(() => jest.restoreAllMocks());

const read = (name: string) => readFileSync(join(out, name), 'utf8');

test('renders a sample event with the default rendering into subject.txt, email.html and email.txt', async () => {
  expect(await run(['--message', join(EVENTS, 'email-json.json'), '--out', out])).toBe(0);
  expect(read('subject.txt')).toBe('Notification from cron-results\n');
  expect(read('email.html')).toContain('Connection &lt;reset&gt; by peer');
  expect(read('email.txt')).toMatch(/^status {11}failed$/m);
  expect(logs.join('\n')).toContain('Subject: Notification from cron-results');
});

test('templates from files, inline text and a templates folder (explicit options win)', async () => {
  const dir = tempDir('email-templates-');
  mkdirSync(join(dir, 'tpl'));
  writeFileSync(join(dir, 'tpl', 'subject.hbs'), 'folder subject');
  writeFileSync(join(dir, 'tpl', 'html.hbs'), '<p>{{message}}</p>');
  writeFileSync(join(dir, 'text.hbs'), 'file text: {{attributes.job}}');
  const code = await run([
    '--message',
    join(EVENTS, 'email-text.json'),
    '--templates',
    join(dir, 'tpl'),
    '--subject-template',
    '{{subject}} ({{attributes.job}})',
    '--text-template',
    join(dir, 'text.hbs'),
    '--out',
    out,
  ]);
  expect(code).toBe(0);
  expect(read('subject.txt')).toBe('Nightly backup finished (nightly-backup)\n');
  expect(read('email.html')).toBe(
    '<p>The nightly backup finished in 4 min 12 s.\nSnapshots: 3 &lt;all verified&gt; &amp; uploaded.</p>',
  );
  expect(read('email.txt')).toBe('file text: nightly-backup');
});

test('a broken template: exit code 1 and an error naming it; nothing written', async () => {
  expect(await run(['--message', join(EVENTS, 'email-json.json'), '--html-template', '{{#if}}', '--out', out])).toBe(1);
  expect(errors.join('\n')).toMatch(/template --html-template is invalid: it does not compile: parse error on line 1/);
  expect(() => read('email.html')).toThrow();
});

test('usage errors: exit code 2', async () => {
  expect(await run([])).toBe(2);
  expect(await run(['--message'])).toBe(2);
  expect(await run(['--message', 'x', '--bogus'])).toBe(2);
  expect(await run(['--message', join(out, 'missing.json')])).toBe(1);
  expect(errors.join('\n')).toContain('is not a file');
});

test('sample files: an SNS event, one SNS message, or plain text', () => {
  expect(
    sampleContext('{"Message":"hi","Subject":"S","MessageAttributes":{"a":{"Type":"String","Value":"1"}}}'),
  ).toMatchObject({
    message: 'hi',
    subject: 'S',
    attributes: { a: '1' },
  });
  expect(sampleContext('{"job":"x"}')).toMatchObject({ message: { job: 'x' }, subject: '' });
  expect(sampleContext('just text', 'Given')).toMatchObject({
    message: 'just text',
    subject: 'Given',
    topicArn: expect.stringContaining(':preview'),
  });
});
