/**
 * Environments for the processes under test: what Lambda gives every function (region, credentials), plus the
 * function's own variables exactly as its template sets them (scripts/lib/template-env.ts), for the benchmark's
 * parameter values. Baselines run with the same environment as the function they stand beside.
 */
import { loadTemplate } from '../../tooling/cfn-yaml';
import { functionEnvironment, type ResolveContext } from '../../tooling/template-env';
import type { Bundles, FunctionName } from './bundles';

export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';

/** What every child process gets: no inherited variables, so a developer's AWS profile cannot leak in. */
export function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    // The local Node is older than Lambda's; the SDK's notice about it is noise here.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SESSION_TOKEN: 'testing',
    ...extra,
  };
}

/** Parameter values and resource names the benchmark deploys each function with (the templates' defaults otherwise). */
export const DEFAULT_CONTEXT: Record<FunctionName, ResolveContext> = {
  email: {
    parameters: {
      SnsTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:cron-results`,
      Sender: 'Cloud Cron <cron@example.com>',
      Recipients: 'alice@example.org',
    },
    resources: { IdempotencyTable: 'cloud-cron-bench-email' },
  },
  sms: {
    parameters: {
      SnsTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:cron-alerts`,
      TwilioSecretArn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:cloud-cron/twilio-AbCdEf`,
      FromNumber: '+15005550006',
      Recipients: '+15005550006',
    },
    resources: { IdempotencyTable: 'cloud-cron-bench-sms' },
  },
  webhook: {
    parameters: {
      SnsTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:cron-alerts`,
      Preset: 'slack',
      WebhookSecretArn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:cloud-cron/slack-AbCdEf`,
    },
    resources: { IdempotencyTable: 'cloud-cron-bench-webhook' },
  },
  mirror: {
    resources: {
      CopyProject: 'cloud-cron-mirror-copy',
      PendingRequests: 'cloud-cron-mirror-pending',
      DeadLetterQueue: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/cloud-cron-mirror-dlq`,
    },
    attributes: { 'RetainedRepository.RepositoryUri': `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/mirror/app` },
  },
  macro: {},
};

export function templateEnv(bundles: Bundles, name: FunctionName, ctx: ResolveContext = DEFAULT_CONTEXT[name]) {
  const b = bundles.builds[name];
  return functionEnvironment(loadTemplate(b.template), b.logicalId, {
    region: REGION,
    accountId: ACCOUNT,
    ...ctx,
    parameters: { ...DEFAULT_CONTEXT[name].parameters, ...ctx.parameters },
    resources: { ...DEFAULT_CONTEXT[name].resources, ...ctx.resources },
  });
}
