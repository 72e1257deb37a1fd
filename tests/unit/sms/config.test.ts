import { ConfigurationError } from '../../../functions/common/errors';
import { loadSmsConfig } from '../../../functions/sms/config';

const BASE = {
  TWILIO_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cloud-cron/twilio-AbCdEf',
  TWILIO_FROM: '+15005550006',
  TWILIO_MESSAGING_SERVICE_SID: '',
  RECIPIENTS: '+15551230001, +447700900123',
  MESSAGE_TEMPLATE: '',
  IDEMPOTENCY_TABLE: 'table',
};

test('reads the environment the template sets, with defaults for the tuning variables', () => {
  expect(loadSmsConfig(BASE)).toEqual({
    secretArn: BASE.TWILIO_SECRET_ARN,
    sender: { from: '+15005550006' },
    recipients: ['+15551230001', '+447700900123'],
    template: undefined,
    idempotencyTable: 'table',
    timeoutMs: 5000,
    maxAttempts: 3,
    apiBaseUrl: undefined,
  });
});

test('a Messaging Service as the sender; duplicate recipients are texted once; the emulator URL loses its slash', () => {
  const config = loadSmsConfig({
    ...BASE,
    TWILIO_FROM: '',
    TWILIO_MESSAGING_SERVICE_SID: `MG${'ab'.repeat(16)}`,
    RECIPIENTS: '+15551230001,+15551230001',
    TWILIO_API_BASE_URL: 'http://127.0.0.1:4010/',
    MESSAGE_TEMPLATE: '{{subject}}',
  });
  expect(config.sender).toEqual({ messagingServiceSid: `MG${'ab'.repeat(16)}` });
  expect(config.recipients).toEqual(['+15551230001']);
  expect(config.apiBaseUrl).toBe('http://127.0.0.1:4010');
  expect(config.template).toBe('{{subject}}');
});

test.each([
  ['+15005550006', true],
  ['12345', true],
  ['CloudCron', true],
  ['Cloud Cron1', true],
  ['CloudCron123', false], // 12 characters
  ['1234567', false], // neither short code nor E.164
  ['15005550006', false],
])('sender id %s accepted: %s', (from, accepted) => {
  const load = () => loadSmsConfig({ ...BASE, TWILIO_FROM: from });
  if (accepted) expect(load().sender).toEqual({ from });
  else expect(load).toThrow(/TWILIO_FROM \(parameter FromNumber\)/);
});

test.each([
  [{ TWILIO_FROM: '', TWILIO_MESSAGING_SERVICE_SID: '' }, /exactly one of TWILIO_FROM/],
  [{ TWILIO_MESSAGING_SERVICE_SID: `MG${'ab'.repeat(16)}` }, /exactly one of TWILIO_FROM/],
  [
    { TWILIO_FROM: '', TWILIO_MESSAGING_SERVICE_SID: 'MG123' },
    /TWILIO_MESSAGING_SERVICE_SID \(parameter MessagingServiceSid\) must be MG/,
  ],
  [
    { TWILIO_SECRET_ARN: undefined },
    /environment variable TWILIO_SECRET_ARN \(parameter TwilioSecretArn\) is required/,
  ],
  [
    { TWILIO_SECRET_ARN: 'cloud-cron/twilio' },
    /TWILIO_SECRET_ARN \(parameter TwilioSecretArn\) must be a Secrets Manager secret ARN/,
  ],
  [{ RECIPIENTS: ' , ' }, /RECIPIENTS \(parameter Recipients\) is required but is empty/],
  [{ RECIPIENTS: '+15551230001,5551230002,+0123' }, /not valid: 5551230002, \+0123$/],
  [
    { RECIPIENTS: Array.from({ length: 51 }, (_, i) => `+1555123${String(i).padStart(4, '0')}`).join(',') },
    /holds 51 numbers; at most 50/,
  ],
  [{ IDEMPOTENCY_TABLE: '' }, /IDEMPOTENCY_TABLE is required/],
  [{ TWILIO_API_BASE_URL: 'localhost:4010' }, /TWILIO_API_BASE_URL must be a scheme and host/],
  [{ TWILIO_TIMEOUT_MS: '50' }, /TWILIO_TIMEOUT_MS must be a whole number from 100 to 30000/],
  [{ TWILIO_TIMEOUT_MS: '5s' }, /TWILIO_TIMEOUT_MS must be a whole number/],
  [{ TWILIO_MAX_ATTEMPTS: '0' }, /TWILIO_MAX_ATTEMPTS must be a whole number from 1 to 10/],
])('refuses %j with a message naming the variable', (overrides, message) => {
  const load = () => loadSmsConfig({ ...BASE, ...overrides });
  expect(load).toThrow(ConfigurationError);
  expect(load).toThrow(message);
});
