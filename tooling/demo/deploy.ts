/**
 * The steps that set the example parent up on this machine: the bundles, the AWS emulator, the stand-ins, and the
 * parent's resources (topics, secret, tables, the channels' subscriptions).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { buildAll } from '../build';
import { loadTemplate, type Template } from '../cfn-yaml';
import { startEmailRecorder } from '../email-recorder';
import { createIdempotencyTable } from '../idempotency-table';
import { startMoto } from '../moto';
import { type NestedApp, nestedApps, nestedParameters } from '../nested-apps';
import { ROOT } from '../paths';
import { type ResolveContext, resolver } from '../template-env';
import { parameterProblems } from '../template-params';
import { startTwilioStandin, type TwilioStandin } from '../twilio-standin';
import { startWebhookStandin } from '../webhook-standin';
import {
  type Channel,
  clientsOf,
  DEMO_PARAMETERS,
  type DemoContext,
  type Deployed,
  MIRRORED_IMAGE,
  need,
  OPERATOR_CHANNELS,
  PARENT,
  REGION,
  STACK_NAME,
} from './context';
import type { FilterScope } from './filter-policy';
import { buildExampleJob, demoPayload, EXAMPLE_JOB_BUNDLE, startTargets } from './local';
import type { Step } from './steps';

export const buildStep: Step<DemoContext> = {
  id: 'build',
  title: 'build the functions (esbuild, options from the templates) and the example job',
  async run() {
    const built = await buildAll(ROOT, ['macro', 'runs-registrar', ...channelFunctions()]);
    await buildExampleJob();
    return [[...built.map((b) => b.name), EXAMPLE_JOB_BUNDLE].map((n) => `dist/${n}/index.js`).join(', ')];
  },
};

export const awsStep: Step<DemoContext> = {
  id: 'aws',
  title: (ctx) =>
    ctx.options.awsEndpoint
      ? `use the AWS emulator at ${ctx.options.awsEndpoint}`
      : 'start moto_server as the local AWS',
  async run(ctx) {
    const given = ctx.options.awsEndpoint;
    if (given) {
      const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
      ctx.aws = {
        endpoint: given,
        started: false,
        env: {
          AWS_ENDPOINT_URL: given,
          AWS_REGION: REGION,
          AWS_DEFAULT_REGION: REGION,
          AWS_ACCESS_KEY_ID: credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        },
        client: { region: REGION, endpoint: given, credentials },
      };
    } else {
      const moto = await startMoto(REGION);
      ctx.cleanups.push(() => moto.stop());
      ctx.aws = { endpoint: moto.endpoint, started: true, env: moto.env, client: moto.client };
    }
    return [ctx.aws.endpoint];
  },
};

export const standInsStep: Step<DemoContext> = {
  id: 'stand-ins',
  title: 'start the local stand-ins (Twilio Messages API, SES recorder, Slack webhook, demo endpoints)',
  async run(ctx) {
    const aws = need(ctx, 'aws');
    let twilio: TwilioStandin | undefined;
    let twilioUrl = ctx.options.twilioBaseUrl;
    if (!twilioUrl) {
      const standIn = await startTwilioStandin({ [ctx.accountSid]: ctx.authToken });
      ctx.cleanups.push(() => standIn.stop());
      twilio = standIn;
      twilioUrl = standIn.url;
    }
    const recorder = await startEmailRecorder(aws.endpoint);
    ctx.cleanups.push(() => recorder.stop());
    const targets = await startTargets();
    ctx.cleanups.push(() => targets.close());
    const webhooks = await startWebhookStandin();
    ctx.cleanups.push(() => webhooks.stop());
    ctx.local = { twilio, twilioUrl, recorder, targets, webhooks };
    ctx.payload = ctx.options.payload
      ? { source: ctx.options.payload.file, value: ctx.options.payload.value }
      : { source: 'the demo health check of the local endpoints', value: demoPayload(targets.url) };
    return [
      `Twilio ${twilioUrl}${twilio ? ' (stand-in)' : ''}; SES via recorder ${recorder.endpoint}; Slack stand-in ${new URL(webhooks.url('slack')).origin}; endpoints ${targets.url}`,
    ];
  },
};

export const resourcesStep: Step<DemoContext> = {
  id: 'resources',
  title:
    "create the parent's topics, the SES identity, the Twilio and Slack secrets, idempotency tables and channel queues",
  async run(ctx) {
    const aws = need(ctx, 'aws');
    const { sns, sqs } = clientsOf(aws);
    const parent = loadTemplate(PARENT);
    const stamp = `${Date.now()}-${randomBytes(3).toString('hex')}`;
    const resolve: ResolveContext = {
      parameters: { ...DEMO_PARAMETERS },
      resources: {},
      attributes: { 'Mirror.Outputs.ImageUri': MIRRORED_IMAGE },
      region: REGION,
      stackName: STACK_NAME,
    };
    const { value } = resolver(parent, resolve);

    // The parent's topics, under the names it gives them.
    const topicResources = Object.entries(parent.Resources).filter(([, r]) => r.Type === 'AWS::SNS::Topic');
    const arns: Record<string, string> = {};
    for (const [id, r] of topicResources) {
      const name = String(
        value((r.Properties as { TopicName?: unknown } | undefined)?.TopicName ?? `${STACK_NAME}-${id}`),
      );
      arns[id] = (await sns.send(new CreateTopicCommand({ Name: name }))).TopicArn!;
    }
    resolve.resources = { ...arns };
    // The job's FailureTopicArn is the parent's OperationsTopicArn (empty by default): the demo makes one, so failed
    // and missed runs reach the operators.
    let operations: string | undefined;
    if (parent.Parameters?.OperationsTopicArn && !resolve.parameters?.OperationsTopicArn) {
      operations = (await sns.send(new CreateTopicCommand({ Name: `${STACK_NAME}-operations` }))).TopicArn!;
      resolve.parameters = { ...resolve.parameters, OperationsTopicArn: operations };
    }

    const queue = async (name: string) => {
      const url = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
      const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] })))
        .Attributes!.QueueArn!;
      return { url, arn };
    };

    await new SESv2Client(aws.client).send(new CreateEmailIdentityCommand({ EmailIdentity: 'example.com' }));
    const secretArn = (
      await new SecretsManagerClient(aws.client).send(
        new CreateSecretCommand({
          Name: `${STACK_NAME}/twilio-${stamp}`,
          SecretString: JSON.stringify({ accountSid: ctx.accountSid, authToken: ctx.authToken }),
        }),
      )
    ).ARN!;
    // The Slack incoming-webhook URL is a credential: it lives in a secret, as in a deployment.
    const slackSecretArn = (
      await new SecretsManagerClient(aws.client).send(
        new CreateSecretCommand({
          Name: `${STACK_NAME}/slack-${stamp}`,
          SecretString: need(ctx, 'local').webhooks.url('slack'),
        }),
      )
    ).ARN!;
    resolve.parameters = { ...resolve.parameters, TwilioSecretArn: secretArn, SlackSecretArn: slackSecretArn };

    const nested = nestedApps(parent, PARENT, resolve);
    const job = nested.find((n) => n.app.id === 'job');
    if (!job) throw new Error('the example parent nests no scheduled job');
    const payload = need(ctx, 'payload');
    const jobParameters = nestedParameters(parent, job, {
      ...resolve,
      parameters: {
        ...resolve.parameters,
        ScheduleExpression: ctx.options.schedule,
        ScheduleTimezone: ctx.options.timezone,
        SchedulePayload: JSON.stringify(payload.value),
      },
    });

    // The job's variable for each topic, from its SnsTopics (VAR=${TopicResource},...).
    const variables = new Map(
      jobParameters.SnsTopics.split(',').map((entry) => {
        const [variable, arn] = entry.split('=');
        return [arn, variable] as const;
      }),
    );
    const topics: Deployed['topics'] = [];
    const named = Object.entries(arns).map(([resource, arn]) => ({
      resource,
      variable: variables.get(arn) ?? resource,
      arn,
      failures: false,
    }));
    if (operations)
      named.push({ resource: 'OperationsTopicArn', variable: 'FAILURES', arn: operations, failures: true });
    for (const t of named) {
      const tap = await queue(`${STACK_NAME}-${t.resource}-all-${stamp}`);
      await sns.send(new SubscribeCommand({ TopicArn: t.arn, Protocol: 'sqs', Endpoint: tap.arn }));
      topics.push({ ...t, tapUrl: tap.url });
    }

    const ddb = new DynamoDBClient(aws.client);
    const channels: Channel[] = [];
    // One queue per channel, subscribed as the channel's template subscribes its function (filter policy, scope).
    const subscribe = async (
      n: NestedApp,
      template: Template,
      parameters: Record<string, string>,
      resources: Record<string, string>,
    ): Promise<Channel> => {
      const q = await queue(`${STACK_NAME}-${n.logicalId}-${stamp}`);
      const scope = (parameters.FilterPolicyScope ??
        String(template.Parameters?.FilterPolicyScope?.Default ?? 'MessageAttributes')) as FilterScope;
      const sub = await sns.send(
        new SubscribeCommand({
          TopicArn: parameters.SnsTopicArn,
          Protocol: 'sqs',
          Endpoint: q.arn,
          Attributes: parameters.FilterPolicy
            ? { FilterPolicy: parameters.FilterPolicy, FilterPolicyScope: scope }
            : undefined,
        }),
      );
      const topic = topics.find((t) => t.arn === parameters.SnsTopicArn);
      return {
        nested: n,
        template,
        parameters: { ...parameters, FilterPolicyScope: scope },
        topic: topic?.variable ?? parameters.SnsTopicArn,
        queueUrl: q.url,
        subscriptionArn: sub.SubscriptionArn!,
        resources,
      };
    };
    for (const n of nested.filter((x) => x.app.ships === 'sar' && x.app.functions.length > 0)) {
      const parameters = nestedParameters(parent, n, resolve);
      if (!parameters.SnsTopicArn) continue;
      const template = loadTemplate(join(ROOT, n.app.template));
      const problems = parameterProblems(template, parameters);
      if (problems.length > 0)
        throw new Error(`the example parent passes ${n.logicalId} values its template refuses: ${problems.join('; ')}`);
      const resources: Record<string, string> = {};
      if (template.Resources.IdempotencyTable) {
        resources.IdempotencyTable = await createIdempotencyTable(
          ddb,
          `${STACK_NAME}-${n.logicalId}-idempotency-${stamp}`,
          template,
        );
      }
      channels.push(await subscribe(n, template, parameters, resources));
    }
    // The operators' email and SMS on the failure topic: the parent's channels again, with alert templates.
    for (const o of operations ? OPERATOR_CHANNELS : []) {
      const like = channels.find((c) => c.nested.app.id === o.like);
      if (!like) continue;
      const { FilterPolicy: _policy, FilterPolicyScope: _scope, ...rest } = like.parameters;
      const parameters = { ...rest, SnsTopicArn: operations as string, ...o.parameters };
      const problems = parameterProblems(like.template, parameters);
      if (problems.length > 0) throw new Error(`${o.logicalId}: ${problems.join('; ')}`);
      const nestedOperator = { logicalId: o.logicalId, app: like.nested.app, location: 'npm start', parameters: {} };
      channels.push(await subscribe(nestedOperator, like.template, parameters, like.resources));
    }
    ctx.deployed = { parent, nested, resolve, topics, channels, jobParameters };
    return [
      ...topics.map((t) => `${t.variable.padEnd(8)} ${t.arn}${t.failures ? " (the job's FailureTopicArn)" : ''}`),
      ...channels.map(
        (c) =>
          `${c.nested.logicalId} (${c.nested.app.id}) subscribed to ${c.topic}${c.parameters.FilterPolicy ? ` with ${c.parameters.FilterPolicy}` : ', no filter'}`,
      ),
    ];
  },
};

/** The functions of the parent's channel apps (those subscribed to a topic), which the run builds. */
export function channelFunctions(): string[] {
  const parent = loadTemplate(PARENT);
  return nestedApps(parent, PARENT, { parameters: DEMO_PARAMETERS })
    .filter((n) => 'SnsTopicArn' in n.parameters)
    .flatMap((n) => [...n.app.functions]);
}
