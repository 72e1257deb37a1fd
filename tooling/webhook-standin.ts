/**
 * A loopback stand-in for the five webhook targets, answering as each service does and checking every request
 * against the vendor's published contract (tooling/webhook-contracts.ts):
 *
 *   /services/T.../B.../...            Slack incoming webhook   200 "ok" | 400 invalid_blocks | 429 rate_limited
 *   /workflows/.../invoke              Teams Workflows webhook  202 | 400
 *   /v2/enqueue                        PagerDuty Events API v2  202 {"status":"success","dedup_key"} | 400 | 429
 *   /api/webhooks/{id}/{token}         Discord execute webhook  204 | 400 {"code":50035} | 429 {"retry_after"}
 *   /hooks/...                         generic JSON endpoint    200
 *
 * `throttle(preset, rate, burst)` makes a target rate-limited as the services are (a token bucket; over it, 429
 * with Retry-After); `script(preset, ...replies)` queues answers (a 500, a 404, a slow one). A request that breaks
 * the contract is answered with the vendor's 400 and recorded with its violations.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Clock, type TokenBucket, tokenBucket } from './token-bucket';
import { checkDiscord, checkPagerDuty, checkSlack, checkTeams, type Verdict } from './webhook-contracts';

export type StandinPreset = 'slack' | 'teams' | 'pagerduty' | 'discord' | 'generic';

export const STANDIN_PATHS: Record<StandinPreset, string> = {
  slack: '/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX',
  teams: '/workflows/0f8fad5bd9cb469fa16570867728950e/triggers/manual/paths/invoke?api-version=1&sig=standin',
  pagerduty: '/v2/enqueue',
  discord: '/api/webhooks/123456789012345678/standin-token',
  generic: '/hooks/cloud-cron/3f9a1c7e5b2d4f6a8c0e',
};

export type WebhookReply = { status: number; body?: string; headers?: Record<string, string>; delayMs?: number };

export type WebhookRequest = {
  preset: StandinPreset | 'unknown';
  path: string;
  headers: IncomingHttpHeaders;
  /** The body exactly as received. */
  raw: string;
  json: unknown;
  verdict: Verdict;
  answered: number;
  at: number;
};

export type WebhookStandin = {
  /** The URL to store in the webhook secret for a preset. */
  url(preset: StandinPreset): string;
  requests: WebhookRequest[];
  /** Requests answered 2xx, per preset. */
  delivered(preset: StandinPreset): WebhookRequest[];
  script(preset: StandinPreset, ...replies: WebhookReply[]): void;
  /** Answers with `reply` every request for which `when` returns one (a poison message, say). */
  refuseWhen(when: ((raw: string) => WebhookReply | undefined) | undefined): void;
  /** At most `rate` requests a second, `burst` at once; 0 lifts the limit. */
  throttle(preset: StandinPreset, rate: number, burst?: number, clock?: Clock): void;
  reset(): void;
  stop(): Promise<void>;
};

function presetOf(path: string): StandinPreset | 'unknown' {
  if (path.startsWith('/services/')) return 'slack';
  if (path.startsWith('/workflows/')) return 'teams';
  if (path === '/v2/enqueue') return 'pagerduty';
  if (path.startsWith('/api/webhooks/')) return 'discord';
  if (path.startsWith('/hooks/')) return 'generic';
  return 'unknown';
}

const CHECKS: Partial<Record<StandinPreset, (body: unknown) => Verdict>> = {
  slack: checkSlack,
  teams: checkTeams,
  pagerduty: checkPagerDuty,
  discord: checkDiscord,
};

const json = (status: number, body: unknown, headers: Record<string, string> = {}): WebhookReply => ({
  status,
  body: JSON.stringify(body),
  headers: { 'Content-Type': 'application/json', ...headers },
});
const text = (status: number, body: string, headers: Record<string, string> = {}): WebhookReply => ({
  status,
  body,
  headers: { 'Content-Type': 'text/plain; charset=utf-8', ...headers },
});

/** How each service says "your request is invalid". */
function refused(preset: StandinPreset | 'unknown', violations: string[]): WebhookReply {
  switch (preset) {
    case 'slack':
      return text(400, violations[0]?.startsWith('no_text') ? 'no_text' : 'invalid_blocks');
    case 'discord':
      return json(400, { code: 50035, message: 'Invalid Form Body', errors: violations });
    case 'pagerduty':
      return json(400, { status: 'invalid event', message: 'Event object is invalid', errors: violations });
    case 'teams':
      return json(400, { error: { code: 'InvalidRequestContent', message: violations.join('; ') } });
    default:
      return text(404, 'not found');
  }
}

/** How each service says "slow down", with the wait in seconds. */
function throttled(preset: StandinPreset | 'unknown', waitSeconds: number): WebhookReply {
  const retryAfter = { 'Retry-After': String(Math.max(1, Math.ceil(waitSeconds))) };
  switch (preset) {
    case 'slack':
      return text(429, 'rate_limited', retryAfter);
    case 'discord':
      return json(429, { message: 'You are being rate limited.', retry_after: waitSeconds, global: false }, retryAfter);
    case 'pagerduty':
      return json(
        429,
        { status: 'throttle event', message: 'Requests for this service are arriving too quickly.' },
        retryAfter,
      );
    default:
      return json(429, { error: 'Too Many Requests' }, retryAfter);
  }
}

function accepted(preset: StandinPreset | 'unknown', body: unknown): WebhookReply {
  switch (preset) {
    case 'slack':
      return text(200, 'ok');
    case 'teams':
      return { status: 202, body: '' };
    case 'pagerduty':
      return json(202, {
        status: 'success',
        message: 'Event processed',
        dedup_key: (body as { dedup_key?: string } | undefined)?.dedup_key ?? 'generated',
      });
    case 'discord':
      return { status: 204, body: '' };
    default:
      return json(200, { ok: true });
  }
}

export async function startWebhookStandin(): Promise<WebhookStandin> {
  const requests: WebhookRequest[] = [];
  const scripts = new Map<StandinPreset, WebhookReply[]>();
  const buckets = new Map<StandinPreset, TokenBucket>();
  let refusal: ((raw: string) => WebhookReply | undefined) | undefined;

  /** Takes a token; returns the seconds to wait when there is none. */
  function take(preset: StandinPreset): number | undefined {
    return buckets.get(preset)?.take();
  }

  const write = (res: ServerResponse, reply: WebhookReply) => {
    const send = () => {
      if (res.destroyed) return;
      res.writeHead(reply.status, reply.headers ?? {});
      res.end(reply.body ?? '');
    };
    if (reply.delayMs) setTimeout(send, reply.delayMs).unref();
    else send();
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '';
      const preset = presetOf(path.split('?')[0]);
      let body: unknown;
      let verdict: Verdict = { ok: true, violations: [] };
      try {
        body = JSON.parse(raw);
      } catch {
        verdict = { ok: false, violations: ['the body is not JSON'] };
      }
      if (verdict.ok && req.method !== 'POST') verdict = { ok: false, violations: [`method ${req.method}`] };
      if (verdict.ok && !/^application\/json/.test(req.headers['content-type'] ?? '')) {
        verdict = { ok: false, violations: ['Content-Type is not application/json'] };
      }
      if (verdict.ok && preset !== 'unknown') verdict = CHECKS[preset]?.(body) ?? verdict;
      let reply: WebhookReply;
      if (preset === 'unknown') reply = text(404, 'no_service');
      else {
        const scripted = scripts.get(preset)?.shift() ?? refusal?.(raw);
        const wait = scripted ? undefined : take(preset);
        if (scripted) reply = scripted;
        else if (wait !== undefined) reply = throttled(preset, wait);
        else if (!verdict.ok) reply = refused(preset, verdict.violations);
        else reply = accepted(preset, body);
      }
      requests.push({
        preset,
        path,
        headers: req.headers,
        raw,
        json: body,
        verdict,
        answered: reply.status,
        at: Date.now(),
      });
      write(res, reply);
    });
  });
  server.keepAliveTimeout = 30000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;

  return {
    url: (preset) => `${base}${STANDIN_PATHS[preset]}`,
    requests,
    delivered: (preset) => requests.filter((r) => r.preset === preset && r.answered >= 200 && r.answered < 300),
    script(preset, ...replies) {
      scripts.set(preset, [...(scripts.get(preset) ?? []), ...replies]);
    },
    refuseWhen(when) {
      refusal = when;
    },
    throttle(preset, rate, burst = 1, clock) {
      if (rate <= 0) buckets.delete(preset);
      else buckets.set(preset, tokenBucket(rate, burst, clock));
    },
    reset() {
      requests.length = 0;
      scripts.clear();
      buckets.clear();
      refusal = undefined;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const WEBHOOK_REPLIES = { json, text, throttled, refused };
