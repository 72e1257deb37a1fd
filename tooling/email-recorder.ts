/**
 * A loopback HTTP proxy in front of moto_server that records SES v2 SendEmail requests as they travel on the
 * wire (moto keeps only one body part of a Simple email; the recording has both), and can answer the next
 * SendEmail calls with an SES error instead of forwarding them (throttling, a paused account).
 * Every other request (DynamoDB, S3, ...) is forwarded untouched.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Clock, type TokenBucket, tokenBucket } from './token-bucket';

export type RecordedSend = {
  FromEmailAddress?: string;
  Destination?: { ToAddresses?: string[]; CcAddresses?: string[]; BccAddresses?: string[] };
  ReplyToAddresses?: string[];
  ConfigurationSetName?: string;
  Content?: {
    Simple?: {
      Subject?: { Data?: string; Charset?: string };
      Body?: { Html?: { Data?: string; Charset?: string }; Text?: { Data?: string; Charset?: string } };
    };
  };
};

export type SesFault = { status: number; errorType: string; message: string };

export type EmailRecorder = {
  endpoint: string;
  /** SendEmail requests that reached moto (faults injected by failNext are not included). */
  sends: RecordedSend[];
  /** Number of SendEmail requests seen, including the ones answered with an injected fault. */
  attempts(): number;
  /** Answers the next `count` SendEmail requests with `fault`. */
  failNext(count: number, fault: SesFault): void;
  /**
   * At most `rate` SendEmail requests a second (`burst` at once), as SES's maximum sending rate: over it,
   * TooManyRequestsException "Maximum sending rate exceeded." (HTTP 429). 0 lifts the limit.
   */
  throttle(rate: number, burst?: number, clock?: Clock): void;
  clear(): void;
  stop(): Promise<void>;
};

const SEND_EMAIL = /^\/v2\/email\/outbound-emails\/?$/;

export async function startEmailRecorder(target: string): Promise<EmailRecorder> {
  const upstream = new URL(target);
  const sends: RecordedSend[] = [];
  let attempts = 0;
  const faults: SesFault[] = [];
  let bucket: TokenBucket | undefined;
  const take = (): boolean => !bucket || bucket.take() === undefined;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const isSend = req.method === 'POST' && SEND_EMAIL.test((req.url ?? '').split('?')[0]);
      if (isSend) {
        attempts += 1;
        const fault =
          faults.shift() ??
          (take()
            ? undefined
            : { status: 429, errorType: 'TooManyRequestsException', message: 'Maximum sending rate exceeded.' });
        if (fault) {
          res.writeHead(fault.status, { 'content-type': 'application/json', 'x-amzn-errortype': fault.errorType });
          res.end(JSON.stringify({ message: fault.message }));
          return;
        }
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
          if (isSend && (up.statusCode ?? 500) < 300) sends.push(JSON.parse(body.toString('utf8')) as RecordedSend);
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
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    sends,
    attempts: () => attempts,
    failNext(count, fault) {
      for (let i = 0; i < count; i++) faults.push(fault);
    },
    throttle(rate, burst = 1, clock) {
      bucket = rate > 0 ? tokenBucket(rate, burst, clock) : undefined;
    },
    clear() {
      sends.length = 0;
      attempts = 0;
      faults.length = 0;
      bucket = undefined;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
