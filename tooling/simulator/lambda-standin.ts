/**
 * Lambda's asynchronous Invoke, locally: a loopback proxy in front of moto_server (which needs Docker to invoke a
 * function) that answers `POST /2015-03-31/functions/{name}/invocations` with `X-Amz-Invocation-Type: Event` the
 * way Lambda does (202, the request id in x-amzn-RequestId, an empty body) and hands the event to `onInvoke`, which
 * runs it (the simulator: retries, destination records). Other invocation types are refused, as this stand-in
 * has no synchronous path; every other request goes to moto unchanged. Point AWS_ENDPOINT_URL at it.
 */
import { randomUUID } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type AsyncInvocation = { functionName: string; payload: string; requestId: string };

export type LambdaStandin = {
  endpoint: string;
  invocations: AsyncInvocation[];
  settled(): Promise<void>;
  stop(): Promise<void>;
};

const INVOKE = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/** The function name in an Invoke path (a name, a partial or a full ARN, URL-encoded). */
function functionName(encoded: string): string {
  const id = decodeURIComponent(encoded);
  const m = /function:([A-Za-z0-9_-]+)/.exec(id) ?? /^(?:\d{12}:)?([A-Za-z0-9_-]+)$/.exec(id);
  return m ? m[1] : id;
}

export async function startLambdaStandin(
  upstreamUrl: string,
  onInvoke: (invocation: AsyncInvocation) => Promise<void> | void,
): Promise<LambdaStandin> {
  const upstream = new URL(upstreamUrl);
  const invocations: AsyncInvocation[] = [];
  const running = new Set<Promise<void>>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const m = req.method === 'POST' ? INVOKE.exec((req.url ?? '').split('?')[0]) : null;
      if (m) {
        const type = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
        if (type !== 'Event') {
          res.writeHead(400, {
            'content-type': 'application/json',
            'x-amzn-errortype': 'InvalidParameterValueException',
          });
          res.end(
            JSON.stringify({
              message: `the local Lambda stand-in runs asynchronous invocations (Event) only, not ${type}`,
            }),
          );
          return;
        }
        const invocation = {
          functionName: functionName(m[1]),
          payload: body.toString('utf8'),
          requestId: randomUUID(),
        };
        invocations.push(invocation);
        res.writeHead(202, { 'x-amzn-requestid': invocation.requestId, 'content-length': '0' });
        res.end();
        const work = Promise.resolve()
          .then(() => onInvoke(invocation))
          .catch((e) =>
            console.error(`lambda stand-in: running ${invocation.functionName} failed: ${(e as Error).message}`),
          )
          .finally(() => running.delete(work));
        running.add(work);
        return;
      }
      const forward = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      forward.on('error', (e) => {
        res.writeHead(502);
        res.end(String(e));
      });
      forward.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    invocations,
    async settled() {
      while (running.size > 0) await Promise.all([...running]);
    },
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
