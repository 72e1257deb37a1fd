/**
 * Contract test: the built SMS bundle sends through Prism serving Twilio's own OpenAPI description
 * (twilio_api_v2010.json, from the npm package @twilio-alpha/mcp) in --errors mode; every request the function
 * makes must pass Prism's validation (path, form body, Basic auth), with no violation reported.
 */
import { randomUUID } from 'node:crypto';
import { invokeBundle } from '../../../tooling/invoke';
import { type Moto, startMoto } from '../../../tooling/moto';
import { type Prism, startPrism } from '../../../tooling/twilio-prism';
import {
  ACCOUNT_SID,
  API_KEY_SECRET,
  API_KEY_SID,
  AUTH_TOKEN,
  buildSms,
  createIdempotencyTable,
  createTwilioSecret,
  logLines,
  snsEvent,
  templateEnv,
} from './harness';

type SmsResult = { messages: number; sent: number; refused: number; duplicates: number };
const TABLE = 'cloud-cron-sms-contract';
const MESSAGES_PATH = `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`;

describe("SMS requests against Twilio's OpenAPI description (Prism)", () => {
  let moto: Moto;
  let prism: Prism;
  let tokenSecretArn: string;
  let apiKeySecretArn: string;

  beforeAll(async () => {
    const [, m, p] = await Promise.all([buildSms(), startMoto(), startPrism({ errors: true })]);
    moto = m;
    prism = p;
    tokenSecretArn = await createTwilioSecret(moto, 'contract/twilio', {
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
    });
    apiKeySecretArn = await createTwilioSecret(moto, 'contract/twilio-key', {
      accountSid: ACCOUNT_SID,
      apiKeySid: API_KEY_SID,
      apiKeySecret: API_KEY_SECRET,
    });
    await createIdempotencyTable(moto, TABLE);
  }, 180000);

  afterAll(async () => {
    await prism?.stop();
    await moto?.stop();
  });

  function env(params: Record<string, string>): Record<string, string> {
    return {
      ...moto.env,
      ...templateEnv({ TwilioSecretArn: tokenSecretArn, ...params }, { IdempotencyTable: TABLE }),
      TWILIO_API_BASE_URL: prism.url,
    };
  }

  /** Sends events through the bundle and returns Prism's verdict on the requests they caused. */
  async function run(events: unknown[], params: Record<string, string>) {
    const before = prism.requests().length;
    const results = await invokeBundle<SmsResult>('sms', events, env(params));
    return { results, requests: prism.requests().slice(before) };
  }

  test('a From number, an auth token and a GSM-7 body: every request passes validation', async () => {
    const recipients = ['+15005550006', '+447700900123', '+33612345678'];
    const { results, requests } = await run([snsEvent('sms-text.json', { messageId: randomUUID() })], {
      FromNumber: '+15005550006',
      Recipients: recipients.join(','),
    });

    expect(results.map((r) => (r.ok ? r.result : r.error))).toEqual([
      { messages: 1, sent: 3, refused: 0, duplicates: 0 },
    ]);
    expect(requests).toHaveLength(3);
    for (const request of requests) {
      expect(request).toEqual({ method: 'POST', path: MESSAGES_PATH, passed: true, violations: [] });
    }
    // Prism answers with the spec's example; the function logs the segment count from it.
    const sent = logLines(results[0].logs).filter((l) => l.message === 'SMS sent');
    expect(sent.map((l) => l.numSegments)).toEqual([1, 1, 1]);
  });

  test('a Messaging Service, an API key and a long UCS-2 body cut to fit: every request passes validation', async () => {
    const message = `Température élevée 🌡️ ${'серверная комната перегрета; '.repeat(80)}`;
    const { results, requests } = await run(
      [
        snsEvent('sms-json.json', { messageId: randomUUID() }),
        snsEvent('sms-text.json', { messageId: randomUUID(), message, subject: '' }),
      ],
      {
        TwilioSecretArn: apiKeySecretArn,
        MessagingServiceSid: `MG${'0123456789abcdef'.repeat(2)}`,
        Recipients: '+15005550006,+4915123456789',
        MessageTemplate:
          '{{#if subject}}[{{subject}}] {{/if}}{{#if message.host}}{{message.host}}: {{message.status}}{{else}}{{rawMessage}}{{/if}}',
      },
    );

    expect(results.map((r) => (r.ok ? r.result.sent : r.error))).toEqual([2, 2]);
    expect(requests).toHaveLength(4);
    expect(requests.filter((r) => !r.passed || r.violations.length > 0)).toEqual([]);
    const lines = logLines(results[1].logs);
    expect(lines.some((l) => l.message === 'SMS body longer than Twilio allows; cut with an ellipsis')).toBe(true);
  });

  test('the check can fail: Prism reports a request without To, and without credentials, as violations', async () => {
    const before = prism.requests().length;
    const res = await fetch(`${prism.url}${MESSAGES_PATH}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'Body=hello',
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    // The log line can trail the answer by a moment.
    await new Promise((r) => setTimeout(r, 300));
    const [request] = prism.requests().slice(before);
    expect(request.passed).toBe(false);
    expect(request.violations).toEqual(
      expect.arrayContaining(['Invalid security scheme used', "Request body must have required property 'To'"]),
    );
  });
});
