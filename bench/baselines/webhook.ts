/**
 * Baseline for the webhook function: what any webhook sender needs, alone: Node's HTTPS client (with a keep-alive
 * agent, as the function has) and the Secrets Manager client the URL is read with, created at module scope; and one
 * bare JSON POST per message.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export const secrets = new SecretsManagerClient({});
const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

export type WebhookBaselineOptions = { url: string; body: string };

/** One JSON POST; resolves with the status. */
export function post(url: URL, body: string): Promise<number> {
  const secure = url.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const req = (secure ? httpsRequest : httpRequest)(
      url,
      {
        method: 'POST',
        agent: secure ? agents.https : agents.http,
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export function bench(options: WebhookBaselineOptions): (i: number) => Promise<void> {
  const url = new URL(options.url);
  return async () => {
    const status = await post(url, options.body);
    if (status < 200 || status >= 300) throw new Error(`the webhook answered ${status}`);
  };
}
