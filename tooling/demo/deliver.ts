import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { invokeBundle } from '../invoke';
import { functionEnvironment } from '../template-env';
import {
  clientsOf,
  type Delivery,
  type DemoContext,
  functionOf,
  type Local,
  localWiring,
  need,
  type Published,
  type SentEmail,
  type SentPost,
  type SentText,
} from './context';
import { explainFilterPolicy, type FilterScope } from './filter-policy';
import { drain, type SqsEnvelope, snsEvent } from './local';
import type { Step } from './steps';

export const deliverStep: Step<DemoContext> = {
  id: 'deliver',
  title: 'deliver what was published to the channel functions, as SNS would',
  async run(ctx) {
    const aws = need(ctx, 'aws');
    const local = need(ctx, 'local');
    const deployed = need(ctx, 'deployed');
    const { sqs } = clientsOf(aws);
    const published: Published[] = [];
    const envelopes = new Map<string, SqsEnvelope>();
    for (const t of deployed.topics) {
      for (const m of await drain(sqs, t.tapUrl)) {
        envelopes.set(m.MessageId, m);
        published.push({
          messageId: m.MessageId,
          topic: t.variable,
          topicArn: t.arn,
          subject: m.Subject,
          attributes: Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([k, a]) => [k, a.Value])),
        });
      }
    }

    const deliveries: Delivery[] = [];
    const failures: string[] = [];
    await Promise.all(
      deployed.channels.map(async (c) => {
        const received = await drain(sqs, c.queueUrl);
        const got = new Set(received.map((m) => m.MessageId));
        for (const p of published.filter((x) => x.topicArn === c.parameters.SnsTopicArn)) {
          const envelope = envelopes.get(p.messageId)!;
          const delivered = got.has(p.messageId);
          const d: Delivery = {
            messageId: p.messageId,
            topic: p.topic,
            subscription: c.nested.logicalId,
            channel: c.nested.app.id,
            filterPolicy: c.parameters.FilterPolicy ?? '',
            filterPolicyScope: c.parameters.FilterPolicyScope as FilterScope,
            delivered,
          };
          if (!delivered) {
            const verdict = explainFilterPolicy(d.filterPolicy, d.filterPolicyScope, {
              attributes: envelope.MessageAttributes ?? {},
              body: envelope.Message,
            });
            d.reason = verdict.matches
              ? `not delivered, although the filter policy appears to match (the emulator's verdict)`
              : verdict.reason;
          }
          deliveries.push(d);
        }
        if (received.length === 0) return;
        const fn = functionOf(c.nested.app);
        const env = {
          ...aws.env,
          ...functionEnvironment(c.template, fn.logicalId, { parameters: c.parameters, resources: c.resources }),
          ...localWiring(c, local),
          POWERTOOLS_LOG_LEVEL: 'WARN',
        };
        const runs = await invokeBundle(
          fn.bundle,
          received.map((m) => snsEvent(m, c.subscriptionArn)),
          env,
        );
        for (const r of runs.filter((x) => !x.ok)) {
          failures.push(
            `${c.nested.logicalId} (${fn.bundle} function) failed: ${r.ok ? '' : `${r.error.name}: ${r.error.message}`}\n${r.logs.slice(-2000)}`,
          );
        }
      }),
    );
    ctx.published = published;
    ctx.deliveries = deliveries;
    if (failures.length > 0) throw new Error(failures.join('\n'));
    return [
      ...deliveries.map((d) =>
        d.delivered
          ? `${d.topic} message ${d.messageId.slice(0, 8)} -> ${d.subscription} (${d.channel})`
          : `${d.topic} message ${d.messageId.slice(0, 8)} dropped by ${d.subscription} (${d.channel}), filter policy ${d.filterPolicy}: ${d.reason}`,
      ),
      ...deployed.topics
        .filter((t) => !deployed.channels.some((c) => c.parameters.SnsTopicArn === t.arn))
        .map((t) => `${t.variable}: no channel subscribed`),
    ];
  },
};

/** Files a run writes to the out folder; what matches from an earlier run is removed first. */
export const OUTPUT_FILES = /^(email-\d+\.(html|txt)|slack-\d+\.json|texts\.txt|summary\.txt|result\.json)$/;

export const showStep: Step<DemoContext> = {
  id: 'show',
  title: 'show what was sent',
  async run(ctx) {
    const local = need(ctx, 'local');
    const deliveries = need(ctx, 'deliveries');
    const out = ctx.options.outDir;
    mkdirSync(out, { recursive: true });
    for (const f of readdirSync(out)) if (OUTPUT_FILES.test(f)) rmSync(join(out, f), { force: true });
    const files: string[] = [];
    const emails: SentEmail[] = local.recorder.sends.map((s) => {
      const simple = s.Content?.Simple;
      return {
        from: s.FromEmailAddress ?? '',
        to: s.Destination?.ToAddresses ?? [],
        cc: s.Destination?.CcAddresses ?? [],
        subject: simple?.Subject?.Data ?? '',
        text: simple?.Body?.Text?.Data ?? '',
        html: simple?.Body?.Html?.Data ?? '',
      };
    });
    emails.forEach((e, i) => {
      for (const [ext, body] of [
        ['html', e.html],
        ['txt', e.text],
      ] as const) {
        const file = join(out, `email-${i + 1}.${ext}`);
        writeFileSync(file, body);
        files.push(file);
      }
    });
    const texts: SentText[] = (local.twilio?.requests ?? [])
      .filter((r) => r.answered < 300)
      .map((r) => ({
        from: r.form.From ?? r.form.MessagingServiceSid ?? '',
        to: r.form.To ?? '',
        body: r.form.Body ?? '',
      }));
    if (texts.length > 0) {
      const file = join(out, 'texts.txt');
      writeFileSync(file, `${texts.map((t) => `to ${t.to} from ${t.from}\n${t.body}\n`).join('\n')}`);
      files.push(file);
    }
    const posts: SentPost[] = local.webhooks.delivered('slack').map((r) => ({
      preset: String(r.preset),
      body: r.json,
      valid: r.verdict.ok,
      violations: r.verdict.ok ? [] : r.verdict.violations,
    }));
    posts.forEach((p, i) => {
      const file = join(out, `slack-${i + 1}.json`);
      writeFileSync(file, `${JSON.stringify(p.body, null, 2)}\n`);
      files.push(file);
    });
    const summary = summaryLines(emails, texts, posts, need(ctx, 'deliveries'), local);
    if (ctx.jobs) summary.push('', 'JOBS APP (--jobs):', ...ctx.jobs.lines.map((l) => `  ${l}`));
    if (ctx.runs) {
      summary.push(
        '',
        `RUNS of ${ctx.runs.job}, as \`cloud-cron runs ${ctx.runs.job}\` prints them:`,
        ...ctx.runs.table.split('\n').map((l) => `  ${l}`),
      );
    }
    const summaryFile = join(out, 'summary.txt');
    writeFileSync(summaryFile, `${summary.join('\n')}\n`);
    files.push(summaryFile);
    ctx.emails = emails;
    ctx.texts = texts;
    ctx.posts = posts;
    ctx.files = files;
    ctx.summary = summary;
    const sentToEmail = deliveries.filter((d) => d.delivered && d.channel === 'email').length;
    const sentToSms = deliveries.filter((d) => d.delivered && d.channel === 'sms').length;
    if (emails.length === 0 && sentToEmail > 0) throw new Error('the email function ran but SES received nothing');
    if (local.twilio && texts.length === 0 && sentToSms > 0)
      throw new Error('the SMS function ran but Twilio received nothing');
    if (posts.length === 0 && deliveries.some((d) => d.delivered && d.channel === 'webhook'))
      throw new Error('the webhook function ran but Slack received nothing');
    const invalid = posts.filter((p) => !p.valid);
    if (invalid.length > 0)
      throw new Error(
        `Slack would refuse what the webhook function sent: ${invalid.flatMap((p) => p.violations).join('; ')}`,
      );
    return [
      `${emails.length} email(s), ${local.twilio ? `${texts.length} text(s)` : `texts sent through ${local.twilioUrl}`}, ${posts.length} Slack message(s)`,
    ];
  },
};

/** What was sent, for people: each email (head of its text part), each text, each message a filter dropped. */
export function summaryLines(
  emails: SentEmail[],
  texts: SentText[],
  posts: SentPost[],
  deliveries: Delivery[],
  local: Local,
): string[] {
  const lines: string[] = [];
  emails.forEach((e, i) => {
    lines.push(
      `EMAIL ${i + 1}: from ${e.from}`,
      `  to ${[...e.to, ...e.cc].join(', ')}`,
      `  subject: ${e.subject}`,
      ...e.text
        .trim()
        .split('\n')
        .slice(0, 12)
        .map((l) => `  | ${l}`),
      `  written to email-${i + 1}.html and .txt`,
    );
  });
  for (const t of texts) {
    lines.push(`SMS to ${t.to} from ${t.from}: ${t.body.length} chars`, ...t.body.split('\n').map((l) => `  | ${l}`));
  }
  if (!local.twilio) lines.push(`SMS sent through ${local.twilioUrl}: see that service for the messages`);
  posts.forEach((p, i) => {
    type Text = { text: string };
    const blocks = (p.body as { blocks?: { text?: Text; fields?: Text[]; elements?: Text[] }[] }).blocks ?? [];
    lines.push(
      `SLACK ${i + 1} (incoming webhook stand-in, Block Kit ${p.valid ? 'valid' : `INVALID: ${p.violations.join('; ')}`}):`,
      ...blocks.flatMap((b) =>
        [b.text, ...(b.fields ?? []), ...(b.elements ?? [])]
          .filter((t): t is Text => t !== undefined)
          .map((t) => `  | ${t.text.replace(/\n/g, ' ')}`),
      ),
      `  written to slack-${i + 1}.json`,
    );
  });
  for (const d of deliveries.filter((x) => !x.delivered)) {
    lines.push(`NOT SENT: ${d.topic} message ${d.messageId} dropped by ${d.subscription} (${d.channel}): ${d.reason}`);
  }
  return lines;
}
