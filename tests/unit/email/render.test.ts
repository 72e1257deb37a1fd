import Handlebars from 'handlebars';
import { contextFromSns, type TemplateContext } from '../../../functions/common/context';
import {
  compileTemplate,
  defaultHtml,
  defaultSubject,
  defaultText,
  escapeHtml,
  headerSafe,
  TemplateError,
} from '../../../functions/common/render';

function context(message: string, subject: string | null = 'Backup done'): TemplateContext {
  return contextFromSns({
    Message: message,
    Subject: subject,
    MessageId: 'msg-1',
    TopicArn: 'arn:aws:sns:us-east-1:123456789012:cron-results',
    Timestamp: '2025-01-15T02:04:12.000Z',
    MessageAttributes: {
      job: { Type: 'String', Value: 'nightly <backup>' },
      blob: { Type: 'Binary', Value: 'AAEC' },
    },
  });
}

describe('compileTemplate', () => {
  const ctx = context('{"name":"<b>Tom & Jerry</b>","count":3}');

  test('escapes values in HTML templates', () => {
    const render = compileTemplate('<p>{{message.name}}</p>', { name: 'HtmlTemplate', escape: true });
    expect(render(ctx)).toBe('<p>&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;</p>');
  });

  test('leaves values as they are when escaping is off (subjects, text, SMS)', () => {
    const render = compileTemplate('{{message.name}} x{{message.count}} {{attributes.job}}', {
      name: 'T',
      escape: false,
    });
    expect(render(ctx)).toBe('<b>Tom & Jerry</b> x3 nightly <backup>');
  });

  test('exposes subject, attributes (Binary omitted), topicArn, messageId, timestamp', () => {
    const render = compileTemplate(
      '{{subject}}|{{attributes.job}}|{{attributes.blob}}|{{topicArn}}|{{messageId}}|{{timestamp}}',
      {
        name: 'T',
        escape: false,
      },
    );
    expect(render(ctx)).toBe(
      'Backup done|nightly <backup>||arn:aws:sns:us-east-1:123456789012:cron-results|msg-1|2025-01-15T02:04:12.000Z',
    );
  });

  test('a text message is {{message}} itself', () => {
    const render = compileTemplate('[{{message}}]', { name: 'T', escape: false });
    expect(render(context('plain text'))).toBe('[plain text]');
  });

  test('missing fields render empty', () => {
    expect(compileTemplate('a{{message.nope.deeper}}b', { name: 'T', escape: true })(ctx)).toBe('ab');
  });

  test('the json helper prints a value as indented JSON, escaped in HTML', () => {
    const render = compileTemplate('{{json message}}', { name: 'T', escape: true });
    expect(render(ctx)).toBe(
      '{\n  &quot;name&quot;: &quot;&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;&quot;,\n  &quot;count&quot;: 3\n}',
    );
  });

  test('a syntax error is thrown at compile time, naming the template', () => {
    expect(() => compileTemplate('{{#if x}}open', { name: 'HtmlTemplate (HTML_TEMPLATE)', escape: true })).toThrow(
      expect.objectContaining({
        name: 'TemplateError',
        templateName: 'HtmlTemplate (HTML_TEMPLATE)',
        message: expect.stringMatching(
          /^template HtmlTemplate \(HTML_TEMPLATE\) is invalid: it does not compile: .*if/,
        ),
      }),
    );
  });

  test('a failure while rendering (unknown helper) names the template', () => {
    const render = compileTemplate('{{shout message.name}}', { name: 's3://b/p/html.hbs', escape: true });
    expect(() => render(ctx)).toThrow(TemplateError);
    expect(() => render(ctx)).toThrow(
      /^template s3:\/\/b\/p\/html\.hbs is invalid: rendering failed: Missing helper: "shout"/,
    );
  });

  test('uses an isolated Handlebars instance: global helpers and partials are not visible', () => {
    Handlebars.registerHelper('leak', () => 'leaked');
    try {
      expect(compileTemplate('{{leak}}', { name: 'T', escape: false })(ctx)).toBe('');
    } finally {
      Handlebars.unregisterHelper('leak');
    }
  });

  test('prototype properties are not reachable from a template', () => {
    const render = compileTemplate('{{message.constructor.name}}{{message.__proto__}}', { name: 'T', escape: false });
    expect(render(ctx)).toBe('');
  });
});

describe('headerSafe', () => {
  test('removes CR, LF, NUL and other control characters, collapsing whitespace', () => {
    expect(headerSafe(' a\r\nBcc: x@y.z\u0000\tb\u007f c ')).toBe('a Bcc: x@y.z b c');
  });
});

describe('default rendering', () => {
  test('subject: the SNS subject, else "Notification from <topic>"; header-safe', () => {
    expect(defaultSubject(context('x', 'Hi\r\nthere'))).toBe('Hi there');
    expect(defaultSubject(context('x', null))).toBe('Notification from cron-results');
    expect(defaultSubject(context('x', '  '))).toBe('Notification from cron-results');
  });

  test('text: a text message as it is, with a footer naming topic, time and message id', () => {
    const text = defaultText(context('line 1\nline 2'));
    expect(text).toBe(
      'line 1\nline 2\n\n-- \nSent by Cloud Cron from topic cron-results, at 2025-01-15T02:04:12.000Z, message msg-1.\n',
    );
    expect(defaultText(context('only'), { footer: false })).toBe('only');
  });

  test('text: a JSON object as aligned name/value lines; arrays joined; nested objects indented', () => {
    const text = defaultText(context('{"job":"export","ok":false,"n":null,"files":["a","b"],"stats":{"rows":2}}'), {
      footer: false,
    });
    expect(text).toBe(
      ['job    export', 'ok     false', 'n', 'files  a, b', 'stats  {', '         "rows": 2', '       }'].join('\n'),
    );
  });

  test('a JSON array or scalar message stays text', () => {
    expect(defaultText(context('[1,2]'), { footer: false })).toBe('[1,2]');
  });

  test('html: a JSON object as an escaped two-column table', () => {
    const html = defaultHtml(context('{"<key>":"a & b","nested":{"x":"<y>"}}'));
    expect(html).toContain('>&lt;key&gt;</th><td');
    expect(html).toContain('>a &amp; b</td>');
    expect(html).toContain('&quot;x&quot;: &quot;&lt;y&gt;&quot;');
    expect(html).not.toMatch(/<key>|<y>/);
    expect(html).toContain('<title>Backup done</title>');
  });

  test('html: a text message escaped in a pre-wrapped block', () => {
    const html = defaultHtml(context('5 < 6 & "ok"'));
    expect(html).toContain(
      '<pre style="white-space:pre-wrap;font-family:inherit;margin:0">5 &lt; 6 &amp; &quot;ok&quot;</pre>',
    );
  });

  test('escapeHtml escapes the five special characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
