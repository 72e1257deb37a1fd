import { contextFromSns } from '../../../functions/common/context';
import { htmlToText, renderEmail } from '../../../functions/email/compose';
import { compileTemplates } from '../../../functions/email/templates';

const ctx = contextFromSns({
  Message: '{"job":"export","error":"disk <full> & gone"}',
  Subject: 'Export failed',
  MessageId: 'm-1',
  TopicArn: 'arn:aws:sns:eu-west-1:123456789012:jobs',
  Timestamp: '2025-01-01T00:00:00.000Z',
  MessageAttributes: { severity: { Type: 'String', Value: 'error\r\nX-Injected: yes' } },
});

const t = (subject?: string, html?: string, text?: string) =>
  compileTemplates({
    ...(subject !== undefined ? { subject: { source: subject, name: 'SubjectTemplate' } } : {}),
    ...(html !== undefined ? { html: { source: html, name: 'HtmlTemplate' } } : {}),
    ...(text !== undefined ? { text: { source: text, name: 'TextTemplate' } } : {}),
  });

describe('renderEmail', () => {
  test('no templates: SNS subject, default HTML table and default text', () => {
    const email = renderEmail({}, ctx);
    expect(email.subject).toBe('Export failed');
    expect(email.html).toContain('disk &lt;full&gt; &amp; gone');
    expect(email.text).toMatch(/^error {2}disk <full> & gone$/m);
  });

  test('subject template: unescaped, CR/LF stripped even when they come from the message', () => {
    const email = renderEmail(t('[{{attributes.severity}}] {{message.error}}'), ctx);
    expect(email.subject).toBe('[error X-Injected: yes] disk <full> & gone');
  });

  test('a subject template that renders empty falls back to the default subject', () => {
    expect(renderEmail(t('{{message.missing}}'), ctx).subject).toBe('Export failed');
  });

  test('HTML template only: HTML escaped, text part derived from the HTML', () => {
    const email = renderEmail(
      t(undefined, '<h1>{{message.job}}</h1><p>{{message.error}}</p><a href="https://x.test/">details</a>'),
      ctx,
    );
    expect(email.html).toBe('<h1>export</h1><p>disk &lt;full&gt; &amp; gone</p><a href="https://x.test/">details</a>');
    expect(email.text).toBe('EXPORT\n\ndisk <full> & gone\n\ndetails [https://x.test/]');
  });

  test('text template only: text unescaped, HTML part is the same text escaped', () => {
    const email = renderEmail(t(undefined, undefined, '{{message.job}}: {{message.error}}'), ctx);
    expect(email.text).toBe('export: disk <full> & gone');
    expect(email.html).toContain(
      '<pre style="white-space:pre-wrap;font-family:inherit">export: disk &lt;full&gt; &amp; gone</pre>',
    );
  });

  test('both templates: each used as given', () => {
    const email = renderEmail(t('S', '<b>{{message.job}}</b>', 'T {{message.job}}'), ctx);
    expect(email).toEqual({ subject: 'S', html: '<b>export</b>', text: 'T export' });
  });

  test('htmlToText drops images and keeps link targets once', () => {
    expect(htmlToText('<p>Hi <img src="x.png" alt="logo"> <a href="https://a.test">https://a.test</a></p>')).toBe(
      'Hi https://a.test',
    );
  });
});
