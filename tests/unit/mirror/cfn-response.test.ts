import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type CfnResponse,
  MAX_BODY_BYTES,
  responseBody,
  sendResponse,
  truncateUtf8,
} from '../../../functions/mirror/cfn-response';
import { blackHole } from '../../../tooling/mirror-aws';

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
  await sendResponse(s.url, base);
  await s.close();
  expect(s.got).toHaveLength(1);
  expect(Number(s.got[0].headers['content-length'])).toBe(s.got[0].body.length);
  expect(s.got[0].body.length).toBeGreaterThan(JSON.stringify(base).length);
  expect(JSON.parse(s.got[0].body.toString('utf8'))).toEqual(base);
  expect(s.got[0].headers['content-type']).toBe('');
});

test('retries a 5xx, then succeeds', async () => {
  const s = await server([503, 200]);
  await sendResponse(s.url, base, { backoffMs: 1 });
  await s.close();
  expect(s.got).toHaveLength(2);
});

test('does not retry a 4xx and reports it', async () => {
  const s = await server([403]);
  await expect(sendResponse(s.url, base, { backoffMs: 1 })).rejects.toMatchObject({
    name: 'ResponseDeliveryError',
    message: expect.stringContaining('HTTP 403'),
  });
  await s.close();
  expect(s.got).toHaveLength(1);
});

test('a refused connection fails after the retries', async () => {
  const s = await server([200]);
  await s.close();
  await expect(sendResponse(s.url, base, { attempts: 2, backoffMs: 1 })).rejects.toMatchObject({
    name: 'ResponseDeliveryError',
  });
});

test('rejects URLs that are not http or https', async () => {
  await expect(sendResponse('ftp://example.com/x', base)).rejects.toThrow('is not http or https');
  await expect(sendResponse('not a url', base)).rejects.toThrow('ResponseURL is not a valid URL');
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
