/**
 * The presets' request bodies, checked against the vendors' contracts (tooling/webhook-contracts.ts) for ordinary
 * and hostile messages: huge, deeply nested, full of markup, mentions and control characters.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SNSEvent } from 'aws-lambda';
import { contextFromRecord } from '../../../functions/common/context';
import { createRenderer } from '../../../functions/webhook/presets';
import { jsonEscape, separateClosingBraces } from '../../../functions/webhook/presets/generic';
import type { Preset } from '../../../functions/webhook/presets/types';
import { EVENTS } from '../../../tooling/paths';
import { checkDiscord, checkPagerDuty, checkSlack, checkTeams } from '../../../tooling/webhook-contracts';

const event = (file: string, message?: string, subject?: string) => {
  const e = JSON.parse(readFileSync(join(EVENTS, file), 'utf8')) as SNSEvent;
  if (message !== undefined) e.Records[0].Sns.Message = message;
  if (subject !== undefined) e.Records[0].Sns.Subject = subject;
  return contextFromRecord(e.Records[0]);
};
const KEY = { routingKey: 'a'.repeat(32) };
const render = (preset: Preset, ctx: ReturnType<typeof event>, bodyTemplate?: string) =>
  JSON.parse(
    createRenderer({ preset, severityAttribute: 'severity', defaultSeverity: 'error', bodyTemplate })(ctx, KEY).body,
  ) as Record<string, unknown>;

const CHECK = { slack: checkSlack, teams: checkTeams, pagerduty: checkPagerDuty, discord: checkDiscord } as const;

const hostile = [
  ['a text message', event('webhook-text.json')],
  ['a JSON message', event('webhook-json.json')],
  ['200 KB of text', event('webhook-text.json', 'word '.repeat(40000))],
  [
    'a 300-field JSON object',
    event(
      'webhook-json.json',
      JSON.stringify(Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`f${i}`, 'v'.repeat(3000)]))),
    ),
  ],
  ['a JSON object nested 3000 levels', event('webhook-json.json', `${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`)],
  [
    'markup, mentions and controls',
    event('webhook-text.json', '<!channel> @everyone <script>&amp; \u0000\u202e', 'Sub\r\nject \u202e <b>'),
  ],
  ['an empty message without subject', event('webhook-text.json', '', '')],
  ['emoji split at a limit', event('webhook-text.json', '😀'.repeat(5000), '😀'.repeat(200))],
] as const;

describe.each(Object.keys(CHECK) as (keyof typeof CHECK)[])('%s', (preset) => {
  test.each(hostile)('%s renders a body that meets the contract', (_name, ctx) => {
    const body = render(preset, ctx);
    expect(CHECK[preset](body)).toEqual({ ok: true, violations: [] });
    expect(JSON.stringify(body)).not.toMatch(/\\ud83d(?!\\ude00)/i); // no lone surrogate
  });
});

test('severity: from the attribute with aliases, else the default', () => {
  const ctx = event('webhook-json.json');
  expect((render('pagerduty', ctx).payload as { severity: string }).severity).toBe('warning');
  ctx.attributes.severity = 'CRIT';
  expect((render('pagerduty', ctx).payload as { severity: string }).severity).toBe('critical');
  ctx.attributes.severity = 'purple';
  expect((render('pagerduty', ctx).payload as { severity: string }).severity).toBe('error');
});

test('slack escapes mrkdwn so no mention or link can be forged', () => {
  const body = JSON.stringify(render('slack', event('webhook-text.json', '<!channel> <https://evil|click> & co')));
  expect(body).toContain('&lt;!channel&gt; &lt;https://evil|click&gt; &amp; co');
  expect(body).not.toContain('<!channel>');
});

test('the subject of every preset is one line, without bidi overrides', () => {
  const ctx = event('webhook-text.json', 'x', 'evil\u202egnp.exe\r\nBcc: x');
  const slack = render('slack', ctx) as { blocks: { text: { text: string } }[] };
  expect(slack.blocks[0].text.text).toBe(':red_circle: evil gnp.exe Bcc: x');
});

describe('generic', () => {
  test('values are JSON-escaped inside strings; {{json}} writes values', () => {
    const ctx = event('webhook-json.json', JSON.stringify({ host: 'a"b\\c\n\u2028', n: 3, list: [1, 'x'] }), 'q"');
    const body = render(
      'generic',
      ctx,
      '{"s":"{{subject}}","h":"{{message.host}}","n":{{message.n}},"l":{{json message.list}},"all":{{json message}}}',
    );
    expect(body).toEqual({
      s: 'q"',
      h: 'a"b\\c\n\u2028',
      n: 3,
      l: [1, 'x'],
      all: { host: 'a"b\\c\n\u2028', n: 3, list: [1, 'x'] },
    });
  });

  test('a value cannot break out of its string', () => {
    const ctx = event('webhook-text.json', '", "admin": true, "x": "');
    expect(render('generic', ctx, '{"text": "{{rawMessage}}"}')).toEqual({ text: '", "admin": true, "x": "' });
  });

  test('a template that does not render JSON fails, naming the template and the position, not the content', () => {
    const ctx = event('webhook-text.json', 'secret words');
    expect(() => render('generic', ctx, '{"text": {{rawMessage}}}')).toThrow(
      /template BodyTemplate \(BODY_TEMPLATE\) is invalid: it does not render valid JSON( \(error at [^)]+\))?: put text values in quotes/,
    );
    try {
      render('generic', ctx, '{"text": {{rawMessage}}}');
    } catch (e) {
      expect((e as Error).message).not.toContain('secret');
    }
  });

  test('a template that does not compile fails at once', () => {
    expect(() =>
      createRenderer({
        preset: 'generic',
        severityAttribute: 's',
        defaultSeverity: 'info',
        bodyTemplate: '{"a": "{{#if}}"}',
      }),
    ).toThrow(/BodyTemplate \(BODY_TEMPLATE\) is invalid: it does not compile/);
  });

  test('without a template the body is the context', () => {
    const body = render('generic', event('webhook-json.json'));
    expect(body).toMatchObject({
      subject: 'Certificate expiry',
      message: { host: 'api.example.com' },
      attributes: { severity: 'warning' },
    });
  });

  test('helpers', () => {
    expect(jsonEscape('a"\u2028')).toBe('a\\"\\u2028');
    expect(separateClosingBraces('{"a": {{json message}}}')).toBe('{"a": {{json message}} }');
    expect(separateClosingBraces('{{{raw}}}')).toBe('{{{raw}}}');
  });
});
