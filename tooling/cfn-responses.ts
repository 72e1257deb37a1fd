/**
 * A loopback stand-in for CloudFormation's pre-signed ResponseURL: custom resource providers under test PUT their
 * answer here, and the test reads what CloudFormation would have received. Providers answer only CloudFormation's
 * response bucket unless the test-only loopback switch is on: spread `env` into the provider's environment.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CfnResponse } from '../functions/common/cfn-response';
import { LOOPBACK_SWITCH } from '../functions/common/response-url';

export type ResponseCatcher = {
  url: string;
  responses: CfnResponse[];
  /** The provider environment that lets it answer this loopback server (never set by a template). */
  env: Record<string, string>;
  stop(): Promise<void>;
};

export async function startResponseCatcher(): Promise<ResponseCatcher> {
  const responses: CfnResponse[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'PUT') responses.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as CfnResponse);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/cfn-response?X-Amz-Signature=local`,
    responses,
    env: { [LOOPBACK_SWITCH]: 'true' },
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
