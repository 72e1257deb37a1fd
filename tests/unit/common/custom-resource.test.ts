/**
 * The shared custom resource skeleton (used by the Runs app's bus and registrar): a request whose ResponseURL is
 * not CloudFormation's gets no work and no answer; every other request is answered, whatever the work does.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import type { CfnResponse } from '../../../functions/common/cfn-response';
import { answerCustomResource } from '../../../functions/common/custom-resource';
import type { ResponseUrlPolicy } from '../../../functions/common/response-url';
import { EVENTS } from '../../../tooling/paths';

const create = JSON.parse(
  readFileSync(join(EVENTS, 'runs-registration-create.json'), 'utf8'),
) as CloudFormationCustomResourceEvent;

function provider() {
  const worked: string[] = [];
  const sent: { url: string; response: CfnResponse }[] = [];
  return {
    worked,
    sent,
    answer: (event: CloudFormationCustomResourceEvent, policy: ResponseUrlPolicy = { region: 'us-east-1' }) =>
      answerCustomResource(
        event,
        async (e) => {
          worked.push(e.RequestType);
          return { physicalResourceId: 'job' };
        },
        async (url, response) => void sent.push({ url, response }),
        policy,
      ),
  };
}

test("CloudFormation's response bucket of the function's region is answered", async () => {
  const p = provider();
  await expect(p.answer(create)).resolves.toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'job' });
  expect(p.worked).toEqual(['Create']);
  expect(p.sent.map((s) => s.url)).toEqual([create.ResponseURL]);
});

test.each([
  ['another host', 'https://attacker.example/cfn?X-Amz-Signature=secret', /host attacker.example is not/],
  ['plain http', create.ResponseURL.replace('https:', 'http:'), /must use https, not http/],
  ['a loopback server without the test-only switch', 'http://127.0.0.1:9/cfn?X-Amz-Signature=secret', /https/],
  ['not a URL', 'nonsense', /is not a URL/],
  ['no URL', '', /has no ResponseURL/],
])('a request with %s does no work and sends nothing', async (_what, url, reason) => {
  const p = provider();
  const error = await p.answer({ ...create, ResponseURL: url }).catch((e: Error) => e);
  expect(error).toMatchObject({ name: 'UnusableResponseUrlError', message: expect.stringMatching(reason) });
  expect((error as Error).message).not.toContain('secret');
  expect(p.worked).toEqual([]);
  expect(p.sent).toEqual([]);
});

test("another region's response bucket is refused: a provider only answers stacks of its own region", async () => {
  const p = provider();
  await expect(p.answer(create, { region: 'eu-west-1' })).rejects.toMatchObject({
    name: 'UnusableResponseUrlError',
    message: expect.stringContaining('cloudformation-custom-resource-response-euwest1'),
  });
  expect(p.worked).toEqual([]);
});

test('with the test-only switch a loopback server is answered', async () => {
  const p = provider();
  const url = 'http://127.0.0.1:9/cfn-response?X-Amz-Signature=local';
  await expect(
    p.answer({ ...create, ResponseURL: url }, { region: 'us-east-1', allowLoopback: true }),
  ).resolves.toMatchObject({ Status: 'SUCCESS' });
  expect(p.sent.map((s) => s.url)).toEqual([url]);
});
