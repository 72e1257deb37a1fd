/**
 * Error classes: what each Twilio failure means, from the exceptions the twilio package itself raises for
 * Twilio's real error bodies, and from the transport's own failures.
 */
import RestException from 'twilio/lib/base/RestException';
import TwilioServiceException from 'twilio/lib/base/TwilioServiceException';
import { DeliveryFailedError } from '../../../functions/common/failures';
import { classifyTwilioError } from '../../../functions/sms/errors';
import { TwilioTransportError } from '../../../functions/sms/transport';
import { TWILIO_ERRORS, twilioError } from '../../../tooling/twilio-standin';

/** What Version.throwException raises for an answer (its body as text, as the transport returns it). */
function raised(status: number, body: unknown): Error {
  return new RestException({ statusCode: status, body: JSON.stringify(body) } as never) as unknown as Error;
}

test.each([
  [21211, TWILIO_ERRORS.invalidNumber('+15005550001')],
  [21610, TWILIO_ERRORS.optedOut()],
  [21408, TWILIO_ERRORS.regionNotEnabled('+15005550003')],
  [21612, TWILIO_ERRORS.notRoutable('+15005550002')],
  [21614, TWILIO_ERRORS.notMobile('+15005550009')],
])('Twilio error %i is permanent for that recipient only', (code, body) => {
  expect(classifyTwilioError(raised(400, body))).toMatchObject({ kind: 'recipient', status: 400, code });
});

test.each([
  ['429 with 20429', raised(429, TWILIO_ERRORS.rateLimited()), 20429],
  ['20429 on another status', raised(400, twilioError(400, 20429, 'Too Many Requests')), 20429],
  ['500', raised(500, TWILIO_ERRORS.internal()), 20500],
  ['503 without a JSON body', new RestException({ statusCode: 503, body: '<html>busy</html>' } as never), undefined],
  ['timeout', new TwilioTransportError('ETIMEDOUT', 'Twilio did not answer within 5000 ms'), 'ETIMEDOUT'],
  ['connection reset', new TwilioTransportError('ECONNRESET', 'socket hang up'), 'ECONNRESET'],
  ['connection refused', new TwilioTransportError('ECONNREFUSED', 'connect ECONNREFUSED'), 'ECONNREFUSED'],
])('%s is retryable', (_name, error, code) => {
  const failure = classifyTwilioError(error);
  expect(failure.kind).toBe('retryable');
  expect(failure.code).toBe(code);
});

test('RFC 9457 problem bodies (TwilioServiceException) are classified by the same codes', () => {
  const problem = (status: number, code: number) =>
    new TwilioServiceException({
      statusCode: status,
      body: { type: `https://www.twilio.com/docs/errors/${code}`, title: 'error', status, code },
    } as never);
  expect(classifyTwilioError(problem(400, 21610)).kind).toBe('recipient');
  expect(classifyTwilioError(problem(429, 20429)).kind).toBe('retryable');
  expect(classifyTwilioError(problem(401, 20003)).kind).toBe('paused');
});

test.each([
  [
    'a From number the account does not own',
    raised(
      400,
      twilioError(
        400,
        21606,
        "The 'From' phone number provided is not a valid message-capable Twilio phone number for this destination.",
      ),
    ),
    21606,
  ],
  ['an unknown 4xx code', raised(400, twilioError(400, 29999, 'something new')), 29999],
])('%s is refused without retry but fails the invocation (kind "message")', (_name, error, code) => {
  expect(classifyTwilioError(error)).toMatchObject({ kind: 'message', code });
});

test('anything else (a bug, a malformed answer) is permanent for the message, not silently retried or dropped', () => {
  expect(classifyTwilioError(new SyntaxError('Unexpected token < in JSON')).kind).toBe('message');
  expect(classifyTwilioError(undefined).kind).toBe('message');
});

test('DeliveryFailedError says which messages and recipients are unsent and why, without their numbers', () => {
  const error = new DeliveryFailedError('sms', [
    {
      messageId: 'msg-1',
      failures: [
        { kind: 'retryable', code: 20429, reason: 'recipient 0 (+15*******01)' },
        { kind: 'paused', code: 20003, reason: 'recipient 1 (+15*******02)' },
      ],
    },
  ]);
  expect(error.name).toBe('DeliveryFailedError');
  expect(error.kind).toBe('paused');
  expect(error.message).toBe(
    'sms: 1 message(s) not delivered: message msg-1: retryable 20429 (recipient 0 (+15*******01)); paused 20003 (recipient 1 (+15*******02)). it is kept in the dead-letter queue after the retries',
  );
  expect(error.message).not.toContain('+1555');
  // The details are not enumerable: the Lambda runtime prints enumerable properties.
  expect(Object.keys(error)).not.toContain('failed');
  expect(error.failed).toHaveLength(1);
});

test('refused credentials are "paused": nothing can be sent until the secret is fixed', () => {
  expect(classifyTwilioError(raised(401, TWILIO_ERRORS.authenticate()))).toMatchObject({ kind: 'paused', code: 20003 });
});
