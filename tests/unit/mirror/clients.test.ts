import { CodeBuildClient, ListProjectsCommand } from '@aws-sdk/client-codebuild';
import { CLIENT_TIMEOUTS, clientConfig } from '../../../functions/mirror/clients';
import { ANSWER_RESERVE_MS, budgetFor } from '../../../functions/mirror/deadline';
import { readTemplate } from '../../../tooling/cfn';
import { blackHole } from '../../../tooling/mirror-aws';

test("a client with the mirror's configuration gives up on an endpoint that accepts and never answers", async () => {
  const hole = await blackHole();
  const client = new CodeBuildClient({
    region: 'us-east-1',
    endpoint: hole.endpoint,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    ...clientConfig({ connectionTimeoutMs: 200, requestTimeoutMs: 200, maxAttempts: 1 }),
  });
  try {
    await expect(client.send(new ListProjectsCommand({}))).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(hole.connections()).toBe(1);
  } finally {
    client.destroy();
    await hole.close();
  }
});

test("every attempt of every call fits inside the work budget of the template's function timeout", () => {
  const timeout = Number(readTemplate('template-mirror.yaml').Globals?.Function?.Timeout);
  const { workUntil } = budgetFor(timeout * 1000, 0);
  const worstCall =
    CLIENT_TIMEOUTS.maxAttempts * (CLIENT_TIMEOUTS.connectionTimeoutMs + CLIENT_TIMEOUTS.requestTimeoutMs);
  expect(worstCall).toBeLessThan(workUntil);
  expect(clientConfig()).toEqual({
    maxAttempts: CLIENT_TIMEOUTS.maxAttempts,
    requestHandler: {
      connectionTimeout: CLIENT_TIMEOUTS.connectionTimeoutMs,
      requestTimeout: CLIENT_TIMEOUTS.requestTimeoutMs,
      throwOnRequestTimeout: true,
    },
  });
  // The answer's own budget: 4 attempts of at most 5 s (index.ts) fit the reserve with the backoff.
  expect(4 * 5000).toBeLessThanOrEqual(ANSWER_RESERVE_MS);
});
