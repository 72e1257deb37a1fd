import {
  AccountSuspendedException,
  BadRequestException,
  LimitExceededException,
  MailFromDomainNotVerifiedException,
  MessageRejected,
  NotFoundException,
  SESv2Client,
  SESv2ServiceException,
  SendEmailCommand,
  SendingPausedException,
  TooManyRequestsException,
} from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { PermanentSendError, RetryableSendError, SendingPausedError } from '../../../functions/email/errors';
import { classifySendError, sendBatch, sendEmailInput } from '../../../functions/email/send';

const ses = mockClient(SESv2Client);
const client = new SESv2Client({ region: 'us-east-1' });
const email = { subject: 'Subject', html: '<p>hi</p>', text: 'hi' };
const batch = { to: ['a@x.org'], cc: [], bcc: ['b@x.org'] };
const meta = { $metadata: {} };

beforeEach(() => ses.reset());

describe('sendEmailInput', () => {
  test('a Simple UTF-8 email with both parts; empty roles and options omitted', () => {
    expect(sendEmailInput({ sender: { address: 'c@x.org', displayName: 'Cron' }, replyTo: [] }, batch, email)).toEqual({
      FromEmailAddress: 'Cron <c@x.org>',
      Destination: { ToAddresses: ['a@x.org'], BccAddresses: ['b@x.org'] },
      Content: {
        Simple: {
          Subject: { Data: 'Subject', Charset: 'UTF-8' },
          Body: { Html: { Data: '<p>hi</p>', Charset: 'UTF-8' }, Text: { Data: 'hi', Charset: 'UTF-8' } },
        },
      },
    });
  });

  test('reply-to and configuration set when given', () => {
    const input = sendEmailInput(
      { sender: { address: 'c@x.org' }, replyTo: ['r@x.org'], configurationSetName: 'tracked' },
      batch,
      email,
    );
    expect(input.ReplyToAddresses).toEqual(['r@x.org']);
    expect(input.ConfigurationSetName).toBe('tracked');
  });
});

describe('sendBatch', () => {
  const input = sendEmailInput({ sender: { address: 'c@x.org' }, replyTo: [] }, batch, email);

  test('sends the input and returns the SES message id', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });
    await expect(sendBatch(client, input)).resolves.toBe('ses-1');
    expect(ses).toHaveReceivedCommandWith(SendEmailCommand, input);
  });

  test.each([
    [
      'throttling',
      new TooManyRequestsException({ message: 'Maximum sending rate exceeded.', ...meta }),
      RetryableSendError,
    ],
    ['a quota exceeded', new LimitExceededException({ message: 'Daily quota', ...meta }), RetryableSendError],
    [
      'MessageRejected',
      new MessageRejected({ message: 'Email address is not verified.', ...meta }),
      PermanentSendError,
    ],
    [
      'MailFromDomainNotVerified',
      new MailFromDomainNotVerifiedException({ message: 'MAIL FROM', ...meta }),
      PermanentSendError,
    ],
    ['NotFound', new NotFoundException({ message: 'Configuration set does not exist', ...meta }), PermanentSendError],
    ['BadRequest', new BadRequestException({ message: 'Illegal address', ...meta }), PermanentSendError],
    ['SendingPaused', new SendingPausedException({ message: 'Sending paused', ...meta }), SendingPausedError],
    ['AccountSuspended', new AccountSuspendedException({ message: 'Suspended', ...meta }), SendingPausedError],
  ])('%s is classified', async (_label, error, expected) => {
    ses.on(SendEmailCommand).rejects(error);
    const thrown = await sendBatch(client, input).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(expected);
    expect(thrown).toMatchObject({ name: expected.name, code: error.name, cause: error });
    expect((thrown as Error).message).toContain(error.message);
  });

  test('retryable flags: throttling true, refusals and a paused account false', () => {
    expect(classifySendError(new TooManyRequestsException({ message: 'x', ...meta })).retryable).toBe(true);
    expect(classifySendError(new MessageRejected({ message: 'x', ...meta })).retryable).toBe(false);
    expect(classifySendError(new SendingPausedException({ message: 'x', ...meta })).retryable).toBe(false);
  });

  test('messages say what to fix', () => {
    expect(classifySendError(new MessageRejected({ message: 'Email address is not verified.', ...meta })).message).toBe(
      'SES MessageRejected: SES rejected the message (in the SES sandbox, every recipient must be a verified identity): Email address is not verified.',
    );
    expect(classifySendError(new SendingPausedException({ message: 'paused', ...meta })).message).toMatch(
      /^SES SendingPausedException: sending is paused .*paused\. No email can be sent until it is resolved/,
    );
  });

  test('unknown errors: server faults and network errors retryable, other client errors permanent', () => {
    const server = new SESv2ServiceException({
      name: 'InternalFailure',
      $fault: 'server',
      $metadata: { httpStatusCode: 500 },
    });
    const client4xx = new SESv2ServiceException({
      name: 'SomethingNew',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
    const throttled = new SESv2ServiceException({
      name: 'Weird',
      $fault: 'client',
      $metadata: { httpStatusCode: 429 },
    });
    expect(classifySendError(server)).toBeInstanceOf(RetryableSendError);
    expect(classifySendError(client4xx)).toBeInstanceOf(PermanentSendError);
    expect(classifySendError(throttled)).toBeInstanceOf(RetryableSendError);
    expect(classifySendError(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }))).toBeInstanceOf(
      RetryableSendError,
    );
    expect(classifySendError('weird')).toBeInstanceOf(RetryableSendError);
  });
});
