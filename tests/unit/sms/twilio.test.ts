/**
 * Credentials parsing, the cached sender, and the trimmed twilio client over its transport (against the loopback
 * stand-in, so the requests are real HTTP).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TwilioCredentialsError } from '../../../functions/sms/errors';
import { createTransport, formEncode, TwilioTransportError } from '../../../functions/sms/transport';
import { createSenderSource, createTwilioSender, parseCredentials, type SendSms } from '../../../functions/sms/twilio';
import { startTwilioStandin, type TwilioStandin } from '../../../tooling/twilio-standin';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cloud-cron/twilio-AbCdEf';
const AC = `AC${'0123456789abcdef'.repeat(2)}`;
const SK = `SK${'fedcba9876543210'.repeat(2)}`;
const TOKEN = 'super-secret-token-value';

describe('parseCredentials', () => {
  test('accepts an auth token or an API key', () => {
    expect(parseCredentials(JSON.stringify({ accountSid: AC, authToken: TOKEN }), ARN)).toEqual({
      accountSid: AC,
      authToken: TOKEN,
    });
    expect(parseCredentials(JSON.stringify({ accountSid: AC, apiKeySid: SK, apiKeySecret: TOKEN }), ARN)).toEqual({
      accountSid: AC,
      apiKeySid: SK,
      apiKeySecret: TOKEN,
    });
  });

  test.each([
    ['no SecretString', undefined, /has no SecretString/],
    ['broken JSON', `{"accountSid": "${AC}", "authToken": "${TOKEN}"`, /is not JSON: store \{"accountSid"/],
    ['a bare string', `"${TOKEN}"`, /must hold a JSON object/],
    [
      'a bad accountSid',
      JSON.stringify({ accountSid: 'AC123', authToken: TOKEN }),
      /field accountSid must be AC followed by 32 hex digits/,
    ],
    [
      'no credential',
      JSON.stringify({ accountSid: AC }),
      /needs either field authToken, or fields apiKeySid and apiKeySecret/,
    ],
    [
      'a bad apiKeySid',
      JSON.stringify({ accountSid: AC, apiKeySid: 'SK1', apiKeySecret: TOKEN }),
      /field apiKeySid must be SK/,
    ],
    ['no apiKeySecret', JSON.stringify({ accountSid: AC, apiKeySid: SK }), /field apiKeySecret is missing/],
  ])('refuses %s, naming the secret and never quoting a value', (_name, text, message) => {
    const parse = () => parseCredentials(text, ARN);
    expect(parse).toThrow(TwilioCredentialsError);
    expect(parse).toThrow(message);
    try {
      parse();
    } catch (e) {
      expect((e as Error).message).toContain(ARN);
      expect((e as Error).message).not.toContain(TOKEN);
      expect(String((e as Error).cause ?? '')).not.toContain(TOKEN);
    }
  });
});

describe('createSenderSource', () => {
  const options = { sender: { from: '+15005550006' }, timeoutMs: 1000 };
  const secret = (token: string) => JSON.stringify({ accountSid: AC, authToken: token });

  test('reads the secret through the (caching) fetcher, builds the sender once per secret value', async () => {
    const fetches: boolean[] = [];
    let value = secret('one');
    const built: string[] = [];
    const source = createSenderSource(
      ARN,
      options,
      async (arn, { forceFetch }) => {
        expect(arn).toBe(ARN);
        fetches.push(forceFetch);
        return value;
      },
      (credentials) => {
        built.push('authToken' in credentials ? credentials.authToken : '');
        return (async () => ({ sid: 'SM1', status: 'queued', numSegments: 1 })) as SendSms;
      },
    );
    const first = await source.get();
    expect(await source.get()).toBe(first);
    expect(built).toEqual(['one']);

    // After Twilio refused the credentials: the next read bypasses the cache, and a rotated value rebuilds.
    source.invalidate();
    value = secret('two');
    expect(await source.get()).not.toBe(first);
    expect(await source.get()).not.toBe(first);
    expect(fetches).toEqual([false, false, true, false]);
    expect(built).toEqual(['one', 'two']);
  });

  test('a secret that cannot be read is a TwilioCredentialsError naming it', async () => {
    const denied = Object.assign(new Error('User is not authorized to perform secretsmanager:GetSecretValue'), {
      name: 'AccessDeniedException',
    });
    const source = createSenderSource(ARN, options, async () => {
      throw denied;
    });
    await expect(source.get()).rejects.toMatchObject({
      name: 'TwilioCredentialsError',
      message: `cannot read Twilio secret ${ARN}: AccessDeniedException: ${denied.message}`,
      cause: denied,
    });
  });
});

describe('createTwilioSender over the transport', () => {
  let standin: TwilioStandin;
  beforeAll(async () => {
    standin = await startTwilioStandin({ [AC]: TOKEN, [SK]: 'key-secret' });
  });
  afterAll(() => standin.stop());
  beforeEach(() => standin.reset());

  test('POSTs the form Twilio documents, with Basic auth, to the overridden base URL', async () => {
    const send = createTwilioSender(
      { accountSid: AC, authToken: TOKEN },
      { sender: { from: '+15005550006' }, timeoutMs: 2000, baseUrl: standin.url },
    );
    const body = 'Température: 31 °C & rising 🌡️\nsecond line';
    const sent = await send('+15551230001', body);

    expect(sent).toEqual({ sid: expect.stringMatching(/^SM[0-9a-f]{32}$/), status: 'queued', numSegments: 1 });
    const [request] = standin.requests;
    expect(request.method).toBe('POST');
    expect(request.path).toBe(`/2010-04-01/Accounts/${AC}/Messages.json`);
    expect(request.username).toBe(AC);
    expect(request.form).toEqual({ To: '+15551230001', From: '+15005550006', Body: body });
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request.headers.accept).toBe('application/json');
    expect(request.headers['user-agent']).toMatch(/^twilio-node\/\d+\.\d+\.\d+ \(.+\) node\/v\d+.* cloud-cron-sms$/);
  });

  test("Twilio's error answer becomes the package's RestException, with status and code", async () => {
    const send = createTwilioSender(
      { accountSid: AC, authToken: TOKEN },
      { sender: { from: '+15005550006' }, timeoutMs: 2000, baseUrl: standin.url },
    );
    await expect(send('+15005550001', 'x')).rejects.toMatchObject({ status: 400, code: 21211 });
    const wrong = createTwilioSender(
      { accountSid: AC, authToken: 'wrong' },
      { sender: { from: '+15005550006' }, timeoutMs: 2000, baseUrl: standin.url },
    );
    await expect(wrong('+15551230001', 'x')).rejects.toMatchObject({ status: 401, code: 20003 });
  });

  test('an API key authenticates as the key; a Messaging Service replaces From', async () => {
    const service = `MG${'ab'.repeat(16)}`;
    const send = createTwilioSender(
      { accountSid: AC, apiKeySid: SK, apiKeySecret: 'key-secret' },
      { sender: { messagingServiceSid: service }, timeoutMs: 2000, baseUrl: standin.url },
    );
    expect(await send('+15551230001', 'x')).toMatchObject({ status: 'accepted', numSegments: 0 });
    expect(standin.requests[0]).toMatchObject({
      username: SK,
      accountSid: AC,
      form: { To: '+15551230001', MessagingServiceSid: service, Body: 'x' },
    });
  });
});

describe('transport', () => {
  test('formEncode repeats keys for lists and skips empty values', () => {
    expect(formEncode({ To: '+1 2', MediaUrl: ['https://a/1', 'https://a/2'], Skip: undefined, Flag: true })).toBe(
      'To=%2B1+2&MediaUrl=https%3A%2F%2Fa%2F1&MediaUrl=https%3A%2F%2Fa%2F2&Flag=true',
    );
  });

  test('a server slower than the timeout fails with ETIMEDOUT; a closed port with the connection error', async () => {
    const slow = createServer(() => undefined); // never answers
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    const { port } = slow.address() as AddressInfo;
    const transport = createTransport({ username: AC, password: TOKEN, timeoutMs: 200, userAgent: 'test' });
    const started = Date.now();
    await expect(
      transport.request({ method: 'post', uri: `http://127.0.0.1:${port}/x`, data: { a: 'b' } }),
    ).rejects.toMatchObject({
      name: 'TwilioTransportError',
      code: 'ETIMEDOUT',
    });
    // Far below the 30 s an unbounded request would take, far above any loaded machine's delay: proves the
    // transport's own timeout answered, not the test's.
    expect(Date.now() - started).toBeLessThan(20000);
    slow.closeAllConnections();
    await new Promise((r) => slow.close(r));

    const refused = transport.request({ method: 'post', uri: `http://127.0.0.1:${port}/x`, data: {} });
    await expect(refused).rejects.toBeInstanceOf(TwilioTransportError);
    await expect(refused).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
