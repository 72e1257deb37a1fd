/**
 * Slack incoming webhook (https://api.slack.com/messaging/webhooks): a Block Kit message with a `text` fallback
 * (what notifications and screen readers show).
 *
 * Limits respected (https://api.slack.com/reference/block-kit/blocks): at most 50 blocks; a header's plain_text at
 * most 150 characters; a section's text at most 3000, its fields at most 10 of 2000 each; a context at most 10
 * elements. Text is mrkdwn with `&`, `<` and `>` escaped, so a message cannot mention @channel or forge links.
 */
import type { ContextBlock, HeaderBlock, KnownBlock, SectionBlock } from '@slack/types';
import type { TemplateContext } from '../../common/context';
import { bodyText, cut, fields, footer, title } from '../text';
import { JSON_HEADERS, type PresetOptions, type RenderedRequest } from './types';

export type SlackMessage = { text: string; blocks: KnownBlock[]; unfurl_links: boolean; unfurl_media: boolean };

export const SLACK_LIMITS = { blocks: 50, header: 150, section: 3000, fields: 10, field: 2000, fallback: 3000 };

/** Slack's mrkdwn escaping (https://api.slack.com/reference/surfaces/formatting#escaping). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const EMOJI: Record<string, string> = {
  critical: ':red_circle:',
  error: ':large_orange_circle:',
  warning: ':large_yellow_circle:',
  info: ':large_blue_circle:',
};

/** Splits text into pieces of at most `size` characters, preferring line breaks. */
function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > size) {
    let at = rest.lastIndexOf('\n', size);
    if (at < size / 2) at = size;
    const code = rest.charCodeAt(at - 1);
    if (code >= 0xd800 && code <= 0xdbff) at -= 1;
    out.push(rest.slice(0, at));
    rest = rest.slice(at).replace(/^\n/, '');
  }
  if (rest) out.push(rest);
  return out;
}

export function slackMessage(context: TemplateContext, options: PresetOptions): SlackMessage {
  const heading = options.severityGiven ? `${EMOJI[options.severity]} ${title(context)}` : title(context);
  const header: HeaderBlock = {
    type: 'header',
    text: { type: 'plain_text', text: cut(heading, SLACK_LIMITS.header), emoji: true },
  };
  const context_: ContextBlock = {
    type: 'context',
    elements: [{ type: 'mrkdwn', text: escapeMrkdwn(cut(footer(context), SLACK_LIMITS.section)) }],
  };
  // Room for the header, the context and a "cut" note.
  const room = SLACK_LIMITS.blocks - 3;
  const sections: SectionBlock[] = [];
  let truncated = false;
  const list = fields(context);
  if (list) {
    for (let i = 0; i < list.length; i += SLACK_LIMITS.fields) {
      if (sections.length === room) {
        truncated = true;
        break;
      }
      sections.push({
        type: 'section',
        fields: list.slice(i, i + SLACK_LIMITS.fields).map((f) => ({
          type: 'mrkdwn',
          text: cut(`*${escapeMrkdwn(f.name)}*\n${escapeMrkdwn(f.value)}`, SLACK_LIMITS.field),
        })),
      });
    }
  } else {
    // Escaping can lengthen the text: escape first, then split.
    const pieces = chunks(escapeMrkdwn(bodyText(context)), SLACK_LIMITS.section);
    for (const piece of pieces.slice(0, room))
      sections.push({ type: 'section', text: { type: 'mrkdwn', text: piece } });
    truncated = pieces.length > room;
  }
  const blocks: KnownBlock[] = [header, ...sections];
  if (truncated) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: '_… message cut to fit Slack’s 50 blocks_' }] });
  }
  blocks.push(context_);
  const fallback = `${heading}\n${bodyText(context)}`;
  return {
    text: escapeMrkdwn(cut(fallback, SLACK_LIMITS.fallback)),
    blocks,
    unfurl_links: false,
    unfurl_media: false,
  };
}

export function renderSlack(context: TemplateContext, options: PresetOptions): RenderedRequest {
  return { body: JSON.stringify(slackMessage(context, options)), headers: { ...JSON_HEADERS } };
}
