import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type CfnResponse,
  MAX_BODY_BYTES,
  responseBody,
  sendResponse,
  truncateUtf8,
} from '../../../functions/common/cfn-response';
import type { ResponseUrlPolicy } from '../../../functions/common/response-url';
import { blackHole } from '../../../tooling/mirror-aws';

/** The local servers below stand in for CloudFormation's bucket: the test-only loopback switch is on. */
const policy: ResponseUrlPolicy = { region: 'us-east-1', allowLoopback: true };

const base: CfnResponse = {
  Status: 'FAILED',
  Reason: 'copy failed — é',
  PhysicalResourceId: 'repo@sha256:1',
  StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/s/1',
  RequestId: 'r1',
  LogicalResourceId: 'MirroredImage',
};

async function server(statuses: number[]) {
  const got: { headers: IncomingHttpHeaders; body: Buffer }[] = [];
  const srv = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(statuses[Math.min(got.length - 1, statuses.length - 1)]).end();
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/path?sig=1`;
  return { url, got, close: () => new Promise<void>((r) => srv.close(() => r())) };
}

test('Content-Length counts bytes, and the body arrives intact', async () => {
  const s = await server([200]);
  await sendResponse(s.url, base, { policy });
  await s.close();
  expect(s.got).toHaveLength(1);
  expect(Number(s.got[0].headers['content-length'])).toBe(s.got[0].body.length);
  expect(s.got[0].body.length).toBeGreaterThan(JSON.stringify(base).length);
  expect(JSON.parse(s.got[0].body.toString('utf8'))).toEqual(base);
  expect(s.got[0].headers['content-type']).toBe('');
});

test('retries a 5xx, then succeeds', async () => {
  const s = await server([503, 200]);
  await sendResponse(s.url, base, { policy, backoffMs: 1 });
  await s.close();
  expect(s.got).toHaveLength(2);
});

test('does not retry a 4xx and reports it', async () => {
  const s = await server([403]);
  await expect(sendResponse(s.url, base, { policy, backoffMs: 1 })).rejects.toMatchObject({
    name: 'ResponseDeliveryError',
    message: expect.stringContaining('HTTP 403'),
  });
  await s.close();
  expect(s.got).toHaveLength(1);
});

test('a refused connection fails after the retries', async () => {
  const s = await server([200]);
  await s.close();
  await expect(sendResponse(s.url, base, { policy, attempts: 2, backoffMs: 1 })).rejects.toMatchObject({
    name: 'ResponseDeliveryError',
  });
});

test('PUTs only to a URL the policy accepts, and refuses the others before connecting', async () => {
  const s = await server([200]);
  try {
    const refused = [
      // Loopback without the test-only switch: production providers never call a local server.
      [s.url, { region: 'us-east-1' }, /must use https, not http/],
      ['https://localhost.attacker.example/x?sig=1', policy, /is not CloudFormation's response bucket/],
      ['https://attacker.example/x?X-Amz-Signature=secret', policy, /host attacker.example is not CloudFormation's/],
      ['ftp://example.com/x', policy, /must use https, not ftp/],
      ['not a url', policy, /ResponseURL is not a URL/],
    ] as const;
    for (const [url, p, reason] of refused) {
      const error = await sendResponse(url, base, { policy: p }).catch((e: Error) => e);
      expect(error).toMatchObject({ name: 'UnusableResponseUrlError', message: expect.stringMatching(reason) });
      // The message names the host at most, never the query that carries the signature.
      expect((error as Error).message).not.toMatch(/secret|sig=/);
    }
    expect(s.got).toHaveLength(0);
    // CloudFormation's own bucket of the region passes the check; with no answer budget left no connection is
    // tried (nothing here may reach AWS), so the failure is a delivery failure, not a refusal.
    await expect(
      sendResponse(
        'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x?X-Amz-Signature=1',
        base,
        {
          policy: { region: 'us-east-1' },
          attempts: 1,
          until: 0,
        },
      ),
    ).rejects.toMatchObject({ name: 'ResponseDeliveryError', message: expect.stringContaining('no time left') });
  } finally {
    await s.close();
  }
});

test('a long Reason is cut so the body fits 4096 bytes, never splitting a character', () => {
  const body = responseBody({ ...base, Reason: 'é'.repeat(5000) });
  expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_BODY_BYTES);
  const parsed = JSON.parse(body) as CfnResponse;
  expect(parsed.Reason).toMatch(/^é+…$/);
  expect(parsed.RequestId).toBe('r1');
  expect(responseBody(base)).toBe(JSON.stringify(base));
  expect(truncateUtf8('abcdef', 4)).toBe('a…');
});

test('a server that accepts and never answers is given up at the end of the answer budget', async () => {
  const hole = await blackHole();
  try {
    await expect(
      sendResponse(`${hole.endpoint}/x`, base, {
        policy,
        attempts: 3,
        timeoutMs: 60000,
        backoffMs: 1,
        until: Date.now() + 200,
      }),
    ).rejects.toMatchObject({ name: 'ResponseDeliveryError', message: expect.stringContaining('no answer within') });
    expect(hole.connections()).toBeGreaterThanOrEqual(1);
  } finally {
    await hole.close();
  }
});
