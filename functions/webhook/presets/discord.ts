/**
 * Discord "Execute Webhook" (POST /webhooks/{id}/{token}): `content` (at most 2000 characters) with the title, and
 * one embed: title at most 256, description at most 4096, at most 25 fields (name 256, value 1024), footer 2048,
 * and at most 6000 characters in the embed altogether (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
 * `allowed_mentions: {parse: []}`: a message cannot ping @everyone, roles or users.
 */
import type { RESTPostAPIWebhookWithTokenJSONBody } from 'discord-api-types/v10';
import type { TemplateContext } from '../../common/context';
import { bodyText, cut, fields, footer, title } from '../text';
import { JSON_HEADERS, type PresetOptions, type RenderedRequest } from './types';

export const DISCORD_LIMITS = {
  content: 2000,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  embedTotal: 6000,
};

const COLOR = { critical: 0xd32f2f, error: 0xf57c00, warning: 0xfbc02d, info: 0x1976d2 } as const;

export function discordMessage(context: TemplateContext, options: PresetOptions): RESTPostAPIWebhookWithTokenJSONBody {
  const heading = cut(title(context), DISCORD_LIMITS.title);
  const foot = cut(footer(context), DISCORD_LIMITS.footer);
  let budget = DISCORD_LIMITS.embedTotal - heading.length - foot.length;
  const embed: NonNullable<RESTPostAPIWebhookWithTokenJSONBody['embeds']>[number] = { title: heading };
  const list = fields(context);
  if (list) {
    embed.fields = [];
    for (const f of list.slice(0, DISCORD_LIMITS.fields)) {
      const name = cut(f.name || '-', DISCORD_LIMITS.fieldName);
      const value = cut(f.value || '-', Math.min(DISCORD_LIMITS.fieldValue, budget - name.length));
      if (budget - name.length - value.length < 0 || value.length === 0) break;
      budget -= name.length + value.length;
      embed.fields.push({ name, value, inline: value.length <= 40 });
    }
  } else {
    embed.description = cut(bodyText(context) || '-', Math.min(DISCORD_LIMITS.description, budget));
  }
  embed.footer = { text: foot };
  if (options.severityGiven) embed.color = COLOR[options.severity];
  if (context.timestamp && !Number.isNaN(Date.parse(context.timestamp))) {
    embed.timestamp = new Date(context.timestamp).toISOString();
  }
  return {
    content: cut(`**${title(context)}**`, DISCORD_LIMITS.content),
    embeds: [embed],
    allowed_mentions: { parse: [] },
  };
}

export function renderDiscord(context: TemplateContext, options: PresetOptions): RenderedRequest {
  return { body: JSON.stringify(discordMessage(context, options)), headers: { ...JSON_HEADERS } };
}
