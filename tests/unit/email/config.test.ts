import { domainOf, formatMailbox, parseAddressList, parseMailbox } from '../../../functions/email/addresses';
import { loadConfig, parseS3Location } from '../../../functions/email/config';

const BASE = { SENDER: 'cron@example.com', RECIPIENTS: 'a@example.org', IDEMPOTENCY_TABLE: 'table' };

describe('mailboxes', () => {
  test('parses a bare address and "Display Name <address>" (quoted or not)', () => {
    expect(parseMailbox(' cron@example.com ', 'SENDER')).toEqual({ address: 'cron@example.com' });
    expect(parseMailbox('Cloud Cron <cron@example.com>', 'SENDER')).toEqual({
      address: 'cron@example.com',
      displayName: 'Cloud Cron',
    });
    expect(parseMailbox('"Ops, Inc." <ops@example.com>', 'SENDER')).toEqual({
      address: 'ops@example.com',
      displayName: 'Ops, Inc.',
    });
    expect(parseMailbox('<ops@example.com>', 'SENDER')).toEqual({ address: 'ops@example.com' });
  });

  test.each([
    ['not-an-address', /SENDER must be "address" or "Display Name <address>"/],
    ['Name <a@b>', /SENDER must be/],
    ['Evil\r\nBcc: x@y.z <a@example.com>', /SENDER must not contain control characters/],
    ['A <b> <a@example.com>', /SENDER/],
    ['josé@example.com', /plain ASCII address/],
  ])('refuses %j', (value, message) => {
    expect(() => parseMailbox(value, 'SENDER')).toThrow(message);
  });

  test('formats display names: plain, quoted when punctuated, RFC 2047 when not ASCII', () => {
    expect(formatMailbox({ address: 'a@example.com' })).toBe('a@example.com');
    expect(formatMailbox({ address: 'a@example.com', displayName: 'Cloud Cron' })).toBe('Cloud Cron <a@example.com>');
    expect(formatMailbox({ address: 'a@example.com', displayName: 'Ops, "Night" Team' })).toBe(
      '"Ops, \\"Night\\" Team" <a@example.com>',
    );
    expect(formatMailbox({ address: 'a@example.com', displayName: 'Équipe Nuit' })).toBe(
      `=?UTF-8?B?${Buffer.from('Équipe Nuit').toString('base64')}?= <a@example.com>`,
    );
  });

  test('long non-ASCII display names are split into encoded words of at most 75 characters', () => {
    const name = 'Überwachung '.repeat(8).trim();
    const formatted = formatMailbox({ address: 'a@example.com', displayName: name });
    const words = formatted.replace(/ <a@example\.com>$/, '').split(' ');
    expect(words.length).toBeGreaterThan(1);
    for (const w of words) expect(w.length).toBeLessThanOrEqual(75);
    const decoded = words.map((w) => Buffer.from(w.slice('=?UTF-8?B?'.length, -2), 'base64').toString('utf8')).join('');
    expect(decoded).toBe(name);
  });

  test('address lists: trimmed, empty entries skipped, duplicates (any case) dropped, bad entries named', () => {
    expect(parseAddressList(' a@x.org, ,B@x.org,b@X.org ', 'RECIPIENTS')).toEqual(['a@x.org', 'B@x.org']);
    expect(parseAddressList(undefined, 'CC_RECIPIENTS')).toEqual([]);
    expect(() => parseAddressList('a@x.org, Bob <b@x.org>', 'CC_RECIPIENTS')).toThrow(
      'CC_RECIPIENTS must be a comma-separated list of email addresses; "Bob <b@x.org>" is not one',
    );
  });

  test('domainOf lower-cases the domain', () => {
    expect(domainOf('Cron@Mail.Example.COM')).toBe('mail.example.com');
  });
});

describe('loadConfig', () => {
  test('reads every variable the template sets', () => {
    const config = loadConfig({
      ...BASE,
      SENDER: 'Cron <cron@example.com>',
      RECIPIENTS: 'a@example.org,b@example.org',
      CC_RECIPIENTS: 'c@example.org',
      BCC_RECIPIENTS: '',
      REPLY_TO: 'ops@example.org',
      SUBJECT_TEMPLATE: '{{subject}}',
      HTML_TEMPLATE: '',
      TEXT_TEMPLATE: '  {{message}}\n',
      TEMPLATES_S3_URI: 's3://my-bucket/email/templates/',
      CONFIGURATION_SET_NAME: 'cron-mail',
    });
    expect(config).toEqual({
      sender: { address: 'cron@example.com', displayName: 'Cron' },
      to: ['a@example.org', 'b@example.org'],
      cc: ['c@example.org'],
      bcc: [],
      replyTo: ['ops@example.org'],
      templates: {
        subject: { source: '{{subject}}', name: 'SubjectTemplate (SUBJECT_TEMPLATE)' },
        text: { source: '  {{message}}\n', name: 'TextTemplate (TEXT_TEMPLATE)' },
      },
      templatesLocation: { uri: 's3://my-bucket/email/templates/', bucket: 'my-bucket', prefix: 'email/templates/' },
      templatesCacheSeconds: 300,
      configurationSetName: 'cron-mail',
      idempotencyTable: 'table',
      idempotencyTtlSeconds: 604800,
    });
  });

  test.each([
    [{ SENDER: undefined }, 'environment variable SENDER (parameter Sender) is required but is not set'],
    [{ RECIPIENTS: ' ' }, 'environment variable RECIPIENTS (parameter Recipients) is required but is not set'],
    [{ RECIPIENTS: ' , ' }, 'environment variable RECIPIENTS (parameter Recipients) must name at least one address'],
    [{ IDEMPOTENCY_TABLE: undefined }, 'environment variable IDEMPOTENCY_TABLE is required but is not set'],
    [{ REPLY_TO: 'nope' }, 'REPLY_TO must be a comma-separated list of email addresses; "nope" is not one'],
    [
      { CONFIGURATION_SET_NAME: 'bad name' },
      'CONFIGURATION_SET_NAME (parameter ConfigurationSetName) must be 1-64 letters',
    ],
    [{ TEMPLATES_S3_URI: 's3://bucket' }, 'TEMPLATES_S3_URI must look like s3://bucket/prefix/'],
    [{ TEMPLATES_CACHE_SECONDS: '5m' }, 'TEMPLATES_CACHE_SECONDS must be a whole number from 0 to 86400, got "5m"'],
  ])('%j fails with a ConfigurationError naming the variable', (override, message) => {
    expect(() => loadConfig({ ...BASE, ...override })).toThrow(expect.objectContaining({ name: 'ConfigurationError' }));
    expect(() => loadConfig({ ...BASE, ...override })).toThrow(message);
  });

  test('S3 locations need a non-empty prefix ending with "/"', () => {
    expect(parseS3Location('s3://b-1.x/a/b/', 'V')).toEqual({
      uri: 's3://b-1.x/a/b/',
      bucket: 'b-1.x',
      prefix: 'a/b/',
    });
    for (const bad of ['s3://b/', 's3://bucket/prefix', 'https://bucket/prefix/', 's3://Bucket/p/']) {
      expect(() => parseS3Location(bad, 'V')).toThrow('V must look like s3://bucket/prefix/');
    }
  });
});
