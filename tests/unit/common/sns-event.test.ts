/**
 * The one event reader: only SNS notifications pass; anything else fails naming what is missing, so that it lands
 * in the dead-letter queue instead of "succeeding" with nothing sent (issue 18, silent drops).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidEventError, readSnsEvent } from '../../../functions/common/sns-event';
import { EVENTS } from '../../../tooling/paths';

const sample = () => JSON.parse(readFileSync(join(EVENTS, 'sms-text.json'), 'utf8'));

test('an SNS event gives one context per record', () => {
  const [ctx] = readSnsEvent(sample());
  expect(ctx).toMatchObject({ messageId: '9a6c1f2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b', subject: 'Nightly backup failed' });
  expect(ctx.attributes).toEqual({ severity: 'critical' });
});

const sqsReceive = {
  Messages: [{ MessageId: 'm', ReceiptHandle: 'r', Body: JSON.stringify({ Type: 'Notification', Message: 'x' }) }],
};
const eventBridge = { version: '0', id: 'e', 'detail-type': 'Scheduled Event', source: 'aws.scheduler', detail: {} };
const sqsRecord = { Records: [{ eventSource: 'aws:sqs', messageId: 'm', body: 'x' }] };

test.each([
  ['{}', {}, 'field Records is missing'],
  ['an empty Records', { Records: [] }, 'Records is empty'],
  ['an EventBridge event', eventBridge, 'field Records is missing (it looks like an EventBridge event)'],
  [
    'a pasted aws sqs receive-message',
    sqsReceive,
    'field Records is missing (it looks like an `aws sqs receive-message` answer)',
  ],
  ['an SQS event', sqsRecord, 'Records[0].EventSource must be "aws:sns" (eventSource aws:sqs)'],
  ['null', null, 'not a JSON object'],
  ['a string', 'hello', 'not a JSON object'],
])('%s is refused: %s', (_name, event, reason) => {
  expect(() => readSnsEvent(event)).toThrow(InvalidEventError);
  expect(() => readSnsEvent(event)).toThrow(reason);
});

test.each([
  ['MessageId', undefined, 'Records[0].Sns.MessageId is missing or empty'],
  ['MessageId', '  ', 'Records[0].Sns.MessageId is missing or empty'],
  ['TopicArn', undefined, 'Records[0].Sns.TopicArn is missing or not an SNS topic ARN'],
  ['TopicArn', 'alerts', 'Records[0].Sns.TopicArn is missing or not an SNS topic ARN'],
  ['Message', undefined, 'Records[0].Sns.Message is missing'],
  ['Message', 42, 'Records[0].Sns.Message is missing'],
])('a record with %s = %j is refused', (field, value, reason) => {
  const event = sample();
  if (value === undefined) delete event.Records[0].Sns[field];
  else event.Records[0].Sns[field] = value;
  expect(() => readSnsEvent(event)).toThrow(reason);
});

test('the error never quotes the message', () => {
  const event = sample();
  delete event.Records[0].Sns.MessageId;
  event.Records[0].Sns.Message = 'call +15551230001 or alice@example.com';
  try {
    readSnsEvent(event);
    throw new Error('expected a refusal');
  } catch (e) {
    expect((e as Error).message).not.toMatch(/15551230001|alice/);
  }
});

test('a second bad record is named by its index', () => {
  const event = sample();
  event.Records.push({ ...event.Records[0], Sns: { ...event.Records[0].Sns, MessageId: '' } });
  expect(() => readSnsEvent(event)).toThrow('Records[1].Sns.MessageId');
});
