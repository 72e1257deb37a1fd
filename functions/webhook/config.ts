/**
 * The webhook function's configuration table (see common/config.ts): each variable, the template parameter that
 * sets it, and its validation. Read once at init; every error names the variable and the parameter.
 */
import { parse, readSettings, type Setting, type SettingsOf } from '../common/config';
import { ConfigurationError } from '../common/errors';
import { PRESETS } from './presets/types';
import { SEVERITIES } from './text';

type Env = Record<string, string | undefined>;

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$/;

export const WEBHOOK_SETTINGS = {
  secretArn: {
    variable: 'WEBHOOK_SECRET_ARN',
    from: { parameter: 'WebhookSecretArn' },
    parse: parse.required(SECRET_ARN, 'a Secrets Manager secret ARN'),
  },
  preset: { variable: 'PRESET', from: { parameter: 'Preset' }, parse: parse.oneOf(PRESETS) },
  bodyTemplate: { variable: 'BODY_TEMPLATE', from: { parameter: 'BodyTemplate' }, parse: parse.text },
  severityAttribute: {
    variable: 'SEVERITY_ATTRIBUTE',
    from: { parameter: 'SeverityAttribute' },
    parse: (raw: string | undefined, where: string) =>
      parse.required(/^[A-Za-z0-9_.-]{1,256}$/, 'a message attribute name')(raw ?? 'severity', where),
  },
  defaultSeverity: {
    variable: 'DEFAULT_SEVERITY',
    from: { parameter: 'DefaultSeverity' },
    parse: parse.oneOf(SEVERITIES, 'error'),
  },
  idempotencyTable: {
    variable: 'IDEMPOTENCY_TABLE',
    from: { resource: 'IdempotencyTable' },
    parse: parse.required(),
  },
  timeoutMs: { variable: 'WEBHOOK_TIMEOUT_MS', from: { fixed: '5000' }, parse: parse.int(5000, 100, 30000) },
  maxAttempts: { variable: 'WEBHOOK_MAX_ATTEMPTS', from: { fixed: '5' }, parse: parse.int(5, 1, 10) },
  /** The longest Retry-After honoured within one invocation; longer waits fail it so Lambda retries later. */
  maxRetryAfterMs: {
    variable: 'WEBHOOK_MAX_RETRY_AFTER_MS',
    from: { fixed: '30000' },
    parse: parse.int(30000, 0, 300000),
  },
} satisfies Record<string, Setting<unknown>>;

export type WebhookConfig = SettingsOf<typeof WEBHOOK_SETTINGS>;

export function loadWebhookConfig(env: Env = process.env): WebhookConfig {
  const config = readSettings(WEBHOOK_SETTINGS, env);
  if (config.bodyTemplate !== undefined && config.preset !== 'generic') {
    throw new ConfigurationError(
      `BODY_TEMPLATE (parameter BodyTemplate) is only used by the generic preset; Preset is ${config.preset}: leave it empty`,
    );
  }
  return config;
}
