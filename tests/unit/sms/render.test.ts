import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SNSEvent } from 'aws-lambda';
import { contextFromRecord, contextFromSns, type TemplateContext } from '../../../functions/common/context';
import { TemplateError } from '../../../functions/common/render';
import { EmptyMessageError } from '../../../functions/sms/errors';
import { createRenderer, defaultSmsText, renderBody } from '../../../functions/sms/render';
import { EVENTS } from '../../../tooling/paths';

function eventContext(file: string): TemplateContext {
  const event = JSON.parse(readFileSync(join(EVENTS, file), 'utf8')) as SNSEvent;
  return contextFromRecord(event.Records[0]);
}

function context(message: string, subject: string | null = null): TemplateContext {
  return contextFromSns({
    Message: message,
    Subject: subject,
    MessageId: 'msg-1',
    TopicArn: 'arn:aws:sns:us-east-1:123456789012:alerts',
    Timestamp: '2030-01-31T07:30:00.000Z',
    MessageAttributes: { severity: { Type: 'String', Value: 'critical' } },
  });
}

describe('default body', () => {
  test('a text message: the subject on its own line, then the message', () => {
    expect(defaultSmsText(eventContext('sms-text.json'))).toBe(
      'Nightly backup failed\nThe nightly backup of db-prod-1 failed at 02:13 UTC: disk full on /var/backups.',
    );
  });

  test('a JSON message: name-value lines, no footer', () => {
    expect(defaultSmsText(eventContext('sms-json.json'))).toBe(
      'Certificate expiry\nhost      api.example.com\ndaysLeft  6\nstatus    renewal failed',
    );
  });

  test('without a subject: only the message; a subject with line breaks is flattened', () => {
    expect(defaultSmsText(context('disk full'))).toBe('disk full');
    expect(defaultSmsText(context('disk full', 'Backup\r\nfailed'))).toBe('Backup failed\ndisk full');
  });

  test('an unset MessageTemplate selects the default rendering', () => {
    expect(createRenderer(undefined)(context('x', 'S'))).toBe('S\nx');
  });
});

describe('MessageTemplate', () => {
  test('renders fields of the shared context without HTML escaping', () => {
    const render = createRenderer(
      '{{attributes.severity}}: {{message.host}} <{{message.status}}> & {{subject}} "{{timestamp}}"',
    );
    expect(render(context('{"host":"db<1>","status":"a & b"}', "O'Neil"))).toBe(
      'critical: db<1> <a & b> & O\'Neil "2030-01-31T07:30:00.000Z"',
    );
  });

  test('a template that does not compile fails when the renderer is created, naming the parameter', () => {
    expect(() => createRenderer('{{#if subject}}unclosed')).toThrow(TemplateError);
    expect(() => createRenderer('{{#if subject}}unclosed')).toThrow(/MessageTemplate/);
  });

  test('missing fields render empty; a body that renders empty is an error saying what to fix', () => {
    const render = createRenderer('{{message.nothing}}  ');
    expect(() => renderBody(render, context('{"a":1}'))).toThrow(EmptyMessageError);
    expect(() => renderBody(render, context('{"a":1}'))).toThrow(/msg-1.*MessageTemplate/);
  });
});

describe('renderBody', () => {
  test('reports encoding and segments of what will be sent', () => {
    const body = renderBody(createRenderer(undefined), context('Temperatur 🌡️ hoch', 'Serverraum'));
    expect(body).toMatchObject({
      body: 'Serverraum\nTemperatur 🌡️ hoch',
      truncated: false,
      encoding: 'UCS-2',
      segments: 1,
    });
  });

  test('cuts a long rendering to the limit and says it did', () => {
    const body = renderBody(createRenderer('{{rawMessage}}'), context('all good. '.repeat(300)));
    expect(body.truncated).toBe(true);
    expect(body.originalLength).toBe(2999);
    expect(body.body.length).toBeLessThanOrEqual(1600);
    expect(body.body.endsWith('all good. all...')).toBe(true);
    expect(body).toMatchObject({ encoding: 'GSM-7', segments: 11 });
  });
});
