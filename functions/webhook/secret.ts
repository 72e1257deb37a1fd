/**
 * The webhook's secret (WebhookSecretArn). Its URL is a credential (anyone holding a Slack or Discord webhook URL
 * can post), so it lives only there: never in a parameter, an environment variable or a log line.
 *
 *   slack, teams, discord:  the URL as the whole SecretString, or {"url": "https://..."}
 *   pagerduty:              {"routingKey": "..."} (32 characters), optionally with "url" (e.g. the EU endpoint
 *                           https://events.eu.pagerduty.com/v2/enqueue)
 *   generic:                {"url": "https://...", "signingSecret": "..."} (signingSecret optional: when set,
 *                           every request is signed, see sign.ts), optionally "headers": {"Name": "value"}
 *
 * Only https URLs are accepted (http only to a loopback address, for local emulators). Errors name the secret and
 * the field, never a value.
 */
import { ConfigurationError } from '../common/errors';
import { PAGERDUTY_EVENTS_URL } from './presets/pagerduty';
import type { Preset } from './presets/types';

export type WebhookTarget = {
  url: URL;
  routingKey?: string;
  signingSecret?: string;
  headers: Record<string, string>;
};

/** The secret cannot be read, or does not hold what the preset needs. Permanent until the secret is fixed. */
export class WebhookSecretError extends ConfigurationError {
  override name = 'WebhookSecretError';
  readonly kind = 'paused' as const;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
const RESERVED_HEADERS = new Set(['host', 'content-length', 'content-type', 'transfer-encoding', 'connection']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function targetUrl(text: unknown, where: string): URL {
  if (typeof text !== 'string' || !text.trim()) throw new WebhookSecretError(`${where}: field url is missing`);
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new WebhookSecretError(`${where}: field url is not a URL`);
  }
  if (url.username || url.password) throw new WebhookSecretError(`${where}: the url must not carry a user or password`);
  if (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.test(url.hostname))) return url;
  throw new WebhookSecretError(`${where}: the url must be https (got ${url.protocol})`);
}

export function parseWebhookSecret(text: string | undefined, secretArn: string, preset: Preset): WebhookTarget {
  const where = `webhook secret ${secretArn}`;
  if (!text?.trim()) throw new WebhookSecretError(`${where} has no SecretString`);
  const trimmed = text.trim();
  let value: Record<string, unknown>;
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new WebhookSecretError(`${where} starts with "{" but is not JSON: store a URL, or a JSON object`);
    }
    if (!isObject(parsed)) throw new WebhookSecretError(`${where} must hold a JSON object`);
    value = parsed;
  } else {
    value = { url: trimmed };
  }
  const headers: Record<string, string> = {};
  if (value.headers !== undefined) {
    if (!isObject(value.headers)) throw new WebhookSecretError(`${where}: field headers must be an object`);
    for (const [name, v] of Object.entries(value.headers)) {
      if (
        !HEADER_NAME.test(name) ||
        RESERVED_HEADERS.has(name.toLowerCase()) ||
        typeof v !== 'string' ||
        /[\r\n\0]/.test(v)
      ) {
        throw new WebhookSecretError(
          `${where}: header ${HEADER_NAME.test(name) ? name : '(invalid name)'} cannot be set`,
        );
      }
      headers[name] = v;
    }
  }
  if (preset === 'pagerduty') {
    const key = value.routingKey ?? value.routing_key;
    if (typeof key !== 'string' || !/^[A-Za-z0-9]{32}$/.test(key.trim())) {
      throw new WebhookSecretError(`${where}: field routingKey must be the 32-character Events API v2 integration key`);
    }
    return { url: targetUrl(value.url ?? PAGERDUTY_EVENTS_URL, where), routingKey: key.trim(), headers };
  }
  const signingSecret = value.signingSecret;
  if (signingSecret !== undefined) {
    if (preset !== 'generic')
      throw new WebhookSecretError(`${where}: field signingSecret is only used by the generic preset`);
    if (typeof signingSecret !== 'string' || signingSecret.length < 16) {
      throw new WebhookSecretError(`${where}: field signingSecret must be a string of at least 16 characters`);
    }
  }
  return {
    url: targetUrl(value.url, where),
    ...(typeof signingSecret === 'string' ? { signingSecret } : {}),
    headers,
  };
}
