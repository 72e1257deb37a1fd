/**
 * The filter-policy explanation `npm start` prints agrees with the emulator's filtering: for each policy and message
 * below, moto_server's SNS -> SQS delivery and explainFilterPolicy give the same verdict; the reasons name the key.
 */
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { explainFilterPolicy, type FilterScope, type SnsAttributes } from '../../../tooling/demo/filter-policy';
import { drain } from '../../../tooling/demo/local';
import { type Moto, startMoto } from '../../../tooling/moto';

type Message = { body: string; attributes: SnsAttributes };
const str = (Value: string) => ({ Type: 'String', Value });
const num = (Value: number) => ({ Type: 'Number', Value: String(Value) });

const MESSAGES: Record<string, Message> = {
  criticalAlert: {
    body: '{"type":"alert","severity":"critical","down":2}',
    attributes: { type: str('alert'), severity: str('critical'), down: num(2) },
  },
  warningAlert: {
    body: '{"type":"alert","severity":"warning","down":0}',
    attributes: { type: str('alert'), severity: str('warning'), down: num(0) },
  },
  report: {
    body: '{"type":"report","job":"nightly-export"}',
    attributes: { type: str('report'), job: str('nightly-export') },
  },
  bare: { body: 'plain text', attributes: {} },
};

const POLICIES: [string, FilterScope][] = [
  ['{"severity":["critical"]}', 'MessageAttributes'],
  ['{"type":["report"],"severity":["warning","critical"]}', 'MessageAttributes'],
  ['{"down":[{"numeric":[">",0]}]}', 'MessageAttributes'],
  ['{"job":[{"prefix":"nightly-"}]}', 'MessageAttributes'],
  ['{"severity":[{"anything-but":["critical"]}]}', 'MessageAttributes'],
  ['{"severity":[{"exists":false}]}', 'MessageAttributes'],
  ['{"severity":["critical"]}', 'MessageBody'],
  ['{"type":["report"]}', 'MessageBody'],
];

let moto: Moto;
const verdicts: { policy: string; scope: FilterScope; message: string; delivered: boolean }[] = [];

beforeAll(async () => {
  moto = await startMoto();
  const sns = new SNSClient(moto.client);
  const sqs = new SQSClient(moto.client);
  const topic = (await sns.send(new CreateTopicCommand({ Name: 'filters' }))).TopicArn!;
  const queues = await Promise.all(
    POLICIES.map(async ([policy, scope], i) => {
      const url = (await sqs.send(new CreateQueueCommand({ QueueName: `filter-${i}` }))).QueueUrl!;
      const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] })))
        .Attributes!.QueueArn!;
      await sns.send(
        new SubscribeCommand({
          TopicArn: topic,
          Protocol: 'sqs',
          Endpoint: arn,
          Attributes: { FilterPolicy: policy, FilterPolicyScope: scope },
        }),
      );
      return { policy, scope, url };
    }),
  );
  const ids = new Map<string, string>();
  for (const [name, m] of Object.entries(MESSAGES)) {
    const r = await sns.send(
      new PublishCommand({
        TopicArn: topic,
        Message: m.body,
        MessageAttributes: Object.fromEntries(
          Object.entries(m.attributes).map(([k, a]) => [k, { DataType: a.Type, StringValue: a.Value }]),
        ),
      }),
    );
    ids.set(r.MessageId!, name);
  }
  for (const q of queues) {
    const got = new Set((await drain(sqs, q.url)).map((e) => ids.get(e.MessageId)));
    for (const name of Object.keys(MESSAGES))
      verdicts.push({ policy: q.policy, scope: q.scope, message: name, delivered: got.has(name) });
  }
}, 60_000);

afterAll(() => moto?.stop());

test('every verdict matches moto_server', () => {
  const disagreements = verdicts.filter(
    (v) => explainFilterPolicy(v.policy, v.scope, MESSAGES[v.message]).matches !== v.delivered,
  );
  expect(verdicts).toHaveLength(POLICIES.length * Object.keys(MESSAGES).length);
  expect(verdicts.some((v) => v.delivered) && verdicts.some((v) => !v.delivered)).toBe(true);
  expect(disagreements).toEqual([]);
});

test('the reasons name the key, what the message had and what the policy wants', () => {
  const why = (policy: string, scope: FilterScope, m: keyof typeof MESSAGES) => {
    const v = explainFilterPolicy(policy, scope, MESSAGES[m]);
    return v.matches ? 'matches' : v.reason;
  };
  expect(why('{"severity":["critical"]}', 'MessageAttributes', 'warningAlert')).toBe(
    'attribute severity is "warning"; the policy wants "critical"',
  );
  expect(why('{"type":["report"],"severity":["warning","critical"]}', 'MessageAttributes', 'report')).toBe(
    'attribute severity is missing; the policy wants one of "warning", "critical"',
  );
  expect(why('{"down":[{"numeric":[">",0]}]}', 'MessageAttributes', 'warningAlert')).toBe(
    'attribute down is 0; the policy wants {"numeric":[">",0]}',
  );
  expect(why('{"type":["report"]}', 'MessageBody', 'bare')).toBe(
    'the policy matches the message body, and the body is not JSON',
  );
  expect(why('', 'MessageAttributes', 'bare')).toBe('matches');
});
