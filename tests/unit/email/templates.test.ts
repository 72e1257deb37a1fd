import { GetObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { sdkStreamMixin } from '@smithy/util-stream';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { Readable } from 'node:stream';
import { contextFromSns } from '../../../functions/common/context';
import { TemplateError } from '../../../functions/common/render';
import { TemplateStoreError } from '../../../functions/email/errors';
import { compileTemplates, createTemplateProvider, readS3Templates } from '../../../functions/email/templates';

const s3 = mockClient(S3Client);
const client = new S3Client({ region: 'us-east-1' });
const location = { uri: 's3://bucket/mail/', bucket: 'bucket', prefix: 'mail/' };
const ctx = contextFromSns({
  Message: '{"a":"<1>"}',
  Subject: 'S',
  MessageId: 'm',
  TopicArn: 'arn:aws:sns:us-east-1:1:t',
  Timestamp: 't',
});

function body(text: string) {
  return sdkStreamMixin(Readable.from([Buffer.from(text, 'utf8')]));
}

function s3Error(name: string, status: number) {
  return new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message: name });
}

function objects(files: Record<string, string | Error>) {
  s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    const content = files[input.Key];
    if (content === undefined) throw s3Error('AccessDenied', 403);
    if (content instanceof Error) throw content;
    return { Body: body(content) };
  });
}

beforeEach(() => s3.reset());

describe('compileTemplates', () => {
  test('HTML escaped, subject and text not', () => {
    const t = compileTemplates({
      subject: { source: '{{message.a}}', name: 'S' },
      html: { source: '{{message.a}}', name: 'H' },
      text: { source: '{{message.a}}', name: 'T' },
    });
    expect([t.subject?.(ctx), t.html?.(ctx), t.text?.(ctx)]).toEqual(['<1>', '&lt;1&gt;', '<1>']);
  });

  test('throws a TemplateError naming the broken template', () => {
    expect(() => compileTemplates({ text: { source: '{{/if}}', name: 's3://bucket/mail/text.hbs' } })).toThrow(
      /^template s3:\/\/bucket\/mail\/text\.hbs is invalid/,
    );
  });
});

describe('readS3Templates', () => {
  test('reads the three names under the prefix; a missing one (AccessDenied or NoSuchKey) is absent', async () => {
    objects({ 'mail/html.hbs': '<p>{{message.a}}</p>', 'mail/text.hbs': '' });
    s3.on(GetObjectCommand, { Key: 'mail/subject.hbs' }).rejects(s3Error('NoSuchKey', 404));
    const sources = await readS3Templates(client, location);
    expect(sources).toEqual({ html: { source: '<p>{{message.a}}</p>', name: 's3://bucket/mail/html.hbs' } });
    expect(s3).toHaveReceivedCommandTimes(GetObjectCommand, 3);
    expect(s3).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: 'bucket', Key: 'mail/subject.hbs' });
  });

  test('none found: an error naming the URI and the expected names', async () => {
    objects({});
    await expect(readS3Templates(client, location)).rejects.toThrow(
      new TemplateStoreError(
        'TemplatesS3Uri s3://bucket/mail/ holds none of subject.hbs, html.hbs, text.hbs (or the function cannot read them: it may read objects under that prefix only, and S3 reports a missing object as AccessDenied)',
      ),
    );
  });

  test('any other S3 error names the object', async () => {
    objects({ 'mail/subject.hbs': 'x', 'mail/html.hbs': s3Error('SlowDown', 503) });
    await expect(readS3Templates(client, location)).rejects.toThrow(
      /^cannot read template s3:\/\/bucket\/mail\/html\.hbs: SlowDown/,
    );
  });
});

describe('createTemplateProvider', () => {
  test('inline templates win over S3 objects of the same part', async () => {
    objects({ 'mail/subject.hbs': 'from s3', 'mail/html.hbs': 'html from s3' });
    const provider = createTemplateProvider({
      inline: { subject: { source: 'inline', name: 'SubjectTemplate' } },
      s3: { client, location, cacheSeconds: 60 },
    });
    const t = await provider.get();
    expect(t.subject?.(ctx)).toBe('inline');
    expect(t.html?.(ctx)).toBe('html from s3');
    expect(t.text).toBeUndefined();
  });

  test('caches compiled templates for cacheSeconds, then reads S3 again', async () => {
    let now = 0;
    objects({ 'mail/html.hbs': 'v1' });
    const provider = createTemplateProvider({ inline: {}, s3: { client, location, cacheSeconds: 60 }, now: () => now });
    expect((await provider.get()).html?.(ctx)).toBe('v1');
    objects({ 'mail/html.hbs': 'v2' });
    now = 59_999;
    expect((await provider.get()).html?.(ctx)).toBe('v1');
    expect(s3).toHaveReceivedCommandTimes(GetObjectCommand, 3);
    now = 60_000;
    expect((await provider.get()).html?.(ctx)).toBe('v2');
  });

  test('when a refresh fails, the cached templates stay in use and the failure is reported', async () => {
    let now = 0;
    const stale: unknown[] = [];
    objects({ 'mail/html.hbs': 'v1' });
    const provider = createTemplateProvider({
      inline: {},
      s3: { client, location, cacheSeconds: 1 },
      now: () => now,
      onStaleTemplates: (e) => stale.push(e),
    });
    await provider.get();
    objects({ 'mail/html.hbs': s3Error('InternalError', 500) });
    now = 5_000;
    expect((await provider.get()).html?.(ctx)).toBe('v1');
    expect(stale).toEqual([expect.any(TemplateStoreError)]);
  });

  test('with nothing cached, an S3 failure is thrown', async () => {
    objects({ 'mail/html.hbs': s3Error('InternalError', 500) });
    const provider = createTemplateProvider({ inline: {}, s3: { client, location, cacheSeconds: 1 } });
    await expect(provider.get()).rejects.toBeInstanceOf(TemplateStoreError);
  });

  test('a broken template is not cached: the error repeats until it is fixed', async () => {
    const provider = createTemplateProvider({ inline: { html: { source: '{{#each}}', name: 'HtmlTemplate' } } });
    await expect(provider.get()).rejects.toBeInstanceOf(TemplateError);
    await expect(provider.get()).rejects.toBeInstanceOf(TemplateError);
  });

  test('inline only: compiled once, S3 never called', async () => {
    const provider = createTemplateProvider({ inline: { text: { source: 'hi', name: 'TextTemplate' } } });
    const first = await provider.get();
    expect(await provider.get()).toBe(first);
    expect(s3).toHaveReceivedCommandTimes(GetObjectCommand, 0);
  });
});
