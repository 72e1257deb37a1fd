/**
 * The request contracts of the webhook presets, built from what each vendor publishes, for the stand-ins and the
 * contract tests:
 *
 * - Slack: JSON Schema generated from `KnownBlock` of @slack/types (the Node Slack SDK's Block Kit types), plus
 *   the limits of Slack's Block Kit reference that types cannot say (50 blocks, header 150, section text 3000,
 *   10 fields of 2000, context 10 elements).
 * - Discord: JSON Schema generated from `RESTPostAPIWebhookWithTokenJSONBody` of discord-api-types (v10), plus
 *   the embed limits of Discord's documentation.
 * - PagerDuty: JSON Schema generated from `EventPayloadV2` of @pagerduty/pdjs (PagerDuty's own client), plus
 *   the Events API v2 rules (summary at most 1024 characters, a 32-character routing key).
 * - Teams: the envelope of a Workflows webhook message and the Adaptive Card parsed by Microsoft's own
 *   `adaptivecards` library: every parse warning (unknown element, invalid value) is a violation.
 *
 * Schemas are generated once per package version and cached in the temporary folder (about 1.5 s to generate).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { ROOT } from './paths';

type Schema = Record<string, unknown>;

const SOURCES = {
  slackBlock: { pkg: '@slack/types', file: 'dist/block-kit/blocks.d.ts', type: 'KnownBlock' },
  discord: { pkg: 'discord-api-types', file: 'rest/v10/webhook.d.ts', type: 'RESTPostAPIWebhookWithTokenJSONBody' },
  pagerduty: { pkg: '@pagerduty/pdjs', file: 'build/src/events.d.ts', type: 'EventPayloadV2' },
} as const;

/** Some packages do not export their package.json: their folder is found under the repository's node_modules. */
function packageDir(pkg: string): string {
  return join(ROOT, 'node_modules', ...pkg.split('/'));
}

function version(pkg: string): string {
  return (JSON.parse(readFileSync(join(packageDir(pkg), 'package.json'), 'utf8')) as { version: string }).version;
}

let schemas: Record<keyof typeof SOURCES, Schema> | undefined;

/** The generated schemas (cached on disk by package versions). */
export function vendorSchemas(): Record<keyof typeof SOURCES, Schema> {
  if (schemas) return schemas;
  const key = createHash('sha256')
    .update(JSON.stringify(Object.values(SOURCES).map((s) => [s.pkg, version(s.pkg), s.type])))
    .digest('hex')
    .slice(0, 16);
  const cache = join(tmpdir(), `cloud-cron-webhook-contracts-${key}.json`);
  if (existsSync(cache)) {
    schemas = JSON.parse(readFileSync(cache, 'utf8')) as Record<keyof typeof SOURCES, Schema>;
    return schemas;
  }
  const { createGenerator } = require('ts-json-schema-generator') as typeof import('ts-json-schema-generator');
  const out = {} as Record<keyof typeof SOURCES, Schema>;
  for (const [name, s] of Object.entries(SOURCES) as [keyof typeof SOURCES, (typeof SOURCES)[keyof typeof SOURCES]][]) {
    out[name] = createGenerator({
      path: join(packageDir(s.pkg), s.file),
      type: s.type,
      skipTypeCheck: true,
      expose: 'all',
      topRef: true,
      additionalProperties: false,
    }).createSchema(s.type) as Schema;
  }
  const tmp = `${cache}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(out));
  require('node:fs').renameSync(tmp, cache);
  schemas = out;
  return out;
}

function compile(schema: Schema): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
  addFormats(ajv);
  return ajv.compile(schema);
}

const describe = (v: ValidateFunction) =>
  (v.errors ?? []).slice(0, 10).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`.trim());

export type Verdict = { ok: boolean; violations: string[] };

const ok = (violations: string[]): Verdict => ({ ok: violations.length === 0, violations });
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const len = (v: unknown) => (typeof v === 'string' ? v.length : 0);

let validators: Record<'slack' | 'discord' | 'pagerduty', ValidateFunction> | undefined;
function v() {
  if (validators) return validators;
  const s = vendorSchemas();
  const block = s.slackBlock as { definitions?: Record<string, unknown>; $ref?: string };
  validators = {
    slack: compile({
      $schema: 'http://json-schema.org/draft-07/schema#',
      definitions: block.definitions,
      type: 'object',
      properties: {
        text: { type: 'string' },
        blocks: { type: 'array', items: { $ref: block.$ref } },
        unfurl_links: { type: 'boolean' },
        unfurl_media: { type: 'boolean' },
        mrkdwn: { type: 'boolean' },
      },
      additionalProperties: false,
    }),
    discord: compile(s.discord),
    pagerduty: compile(s.pagerduty),
  };
  return validators;
}

/** Slack incoming webhook body. */
export function checkSlack(body: unknown): Verdict {
  const validate = v().slack;
  if (!validate(body)) return ok(describe(validate));
  const b = body as { text?: string; blocks?: Record<string, unknown>[] };
  const out: string[] = [];
  if (!b.text && !b.blocks?.length) out.push('no_text: text or blocks is required');
  const blocks = b.blocks ?? [];
  if (blocks.length > 50) out.push(`blocks: ${blocks.length} blocks, at most 50`);
  blocks.forEach((block, i) => {
    const text = block.text as { text?: string } | undefined;
    if (block.type === 'header' && len(text?.text) > 150) out.push(`blocks[${i}] header text over 150 characters`);
    if (block.type === 'section') {
      if (len(text?.text) > 3000) out.push(`blocks[${i}] section text over 3000 characters`);
      const fields = (block.fields as { text?: string }[] | undefined) ?? [];
      if (fields.length > 10) out.push(`blocks[${i}] section with ${fields.length} fields, at most 10`);
      fields.forEach((f, j) => {
        if (len(f.text) > 2000) out.push(`blocks[${i}].fields[${j}] over 2000 characters`);
      });
      if (!text && fields.length === 0) out.push(`blocks[${i}] section needs text or fields`);
    }
    if (block.type === 'context' && ((block.elements as unknown[]) ?? []).length > 10) {
      out.push(`blocks[${i}] context with more than 10 elements`);
    }
  });
  return ok(out);
}

/** Discord execute-webhook body. */
export function checkDiscord(body: unknown): Verdict {
  const validate = v().discord;
  if (!validate(body)) return ok(describe(validate));
  const b = body as { content?: string; embeds?: Record<string, unknown>[] };
  const out: string[] = [];
  if (!b.content && !b.embeds?.length) out.push('50006: Cannot send an empty message');
  if (len(b.content) > 2000) out.push('content: must be 2000 or fewer in length');
  const embeds = b.embeds ?? [];
  if (embeds.length > 10) out.push('embeds: at most 10');
  embeds.forEach((e, i) => {
    const fields = (e.fields as { name?: string; value?: string }[] | undefined) ?? [];
    const footer = (e.footer as { text?: string } | undefined)?.text;
    if (len(e.title) > 256) out.push(`embeds[${i}].title over 256`);
    if (len(e.description) > 4096) out.push(`embeds[${i}].description over 4096`);
    if (fields.length > 25) out.push(`embeds[${i}].fields: at most 25`);
    fields.forEach((f, j) => {
      if (len(f.name) > 256 || !f.name) out.push(`embeds[${i}].fields[${j}].name must be 1-256 characters`);
      if (len(f.value) > 1024 || !f.value) out.push(`embeds[${i}].fields[${j}].value must be 1-1024 characters`);
    });
    if (len(footer) > 2048) out.push(`embeds[${i}].footer.text over 2048`);
    const total =
      len(e.title) + len(e.description) + len(footer) + fields.reduce((n, f) => n + len(f.name) + len(f.value), 0);
    if (total > 6000) out.push(`embeds[${i}]: ${total} characters in all, at most 6000`);
  });
  return ok(out);
}

/** PagerDuty Events API v2 body. */
export function checkPagerDuty(body: unknown): Verdict {
  const validate = v().pagerduty;
  // The client field is in the Events API v2 description but not in pdjs' type: checked here.
  const { client, client_url, ...rest } = (isObject(body) ? body : {}) as Record<string, unknown>;
  if (!isObject(body) || !validate(rest)) return ok(isObject(body) ? describe(validate) : ['body is not an object']);
  const out: string[] = [];
  if (client !== undefined && typeof client !== 'string') out.push('client must be a string');
  if (client_url !== undefined && typeof client_url !== 'string') out.push('client_url must be a string');
  const b = rest as { routing_key: string; payload: { summary: string; timestamp?: string } };
  if (!/^[A-Za-z0-9]{32}$/.test(b.routing_key)) out.push('routing_key must be a 32-character integration key');
  if (b.payload.summary.length > 1024) out.push('payload.summary over 1024 characters');
  if (b.payload.timestamp !== undefined && Number.isNaN(Date.parse(b.payload.timestamp)))
    out.push('payload.timestamp is not a date');
  return ok(out);
}

type AdaptiveCardsModule = {
  AdaptiveCard: new () => { parse(json: unknown, ctx: unknown): void };
  SerializationContext: new () => { eventCount: number; getEventAt(i: number): { message: string } };
};

/** Teams Workflows webhook: the message envelope, and the card as Microsoft's Adaptive Cards library parses it. */
export function checkTeams(body: unknown): Verdict {
  const out: string[] = [];
  if (!isObject(body) || body.type !== 'message') return ok(['type must be "message"']);
  const attachments = body.attachments;
  if (!Array.isArray(attachments) || attachments.length === 0) return ok(['attachments must hold the card']);
  const ac = require('adaptivecards/dist/adaptivecards.js') as AdaptiveCardsModule;
  attachments.forEach((a: unknown, i) => {
    if (!isObject(a) || a.contentType !== 'application/vnd.microsoft.card.adaptive') {
      out.push(`attachments[${i}].contentType must be application/vnd.microsoft.card.adaptive`);
      return;
    }
    const card = a.content;
    if (!isObject(card) || card.type !== 'AdaptiveCard') {
      out.push(`attachments[${i}].content must be an AdaptiveCard`);
      return;
    }
    if (!['1.0', '1.1', '1.2', '1.3', '1.4', '1.5'].includes(String(card.version))) {
      out.push(`attachments[${i}].content.version ${String(card.version)} is not one Teams renders (1.0-1.5)`);
    }
    const ctx = new ac.SerializationContext();
    new ac.AdaptiveCard().parse(card, ctx);
    for (let k = 0; k < ctx.eventCount; k++) out.push(`attachments[${i}].content: ${ctx.getEventAt(k).message}`);
  });
  if (Buffer.byteLength(JSON.stringify(body)) > 28 * 1024) out.push('the message is over 28 KB');
  return ok(out);
}
