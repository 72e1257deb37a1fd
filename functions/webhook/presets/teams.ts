/**
 * Microsoft Teams Workflows webhook ("Post to a channel when a webhook request is received"): a message with one
 * Adaptive Card attachment. The Office 365 connector webhooks (MessageCard) are retired; Workflows take Adaptive
 * Cards (https://learn.microsoft.com/en-us/microsoftteams/platform/task-modules-and-cards/cards/cards-reference).
 *
 * The card is version 1.4 (what Teams renders on every client), full width; the title is a bold TextBlock coloured
 * by severity, a text message a wrapped TextBlock, a JSON object a FactSet. Teams refuses messages over about
 * 28 KB: texts are cut so the card stays well under it.
 */
import type { TemplateContext } from '../../common/context';
import { bodyText, cut, fields, footer, title } from '../text';
import { JSON_HEADERS, type PresetOptions, type RenderedRequest } from './types';

type TextBlock = {
  type: 'TextBlock';
  text: string;
  wrap: boolean;
  size?: 'Small' | 'Default' | 'Medium' | 'Large';
  weight?: 'Bolder' | 'Default';
  color?: 'Attention' | 'Warning' | 'Good' | 'Accent' | 'Default';
  isSubtle?: boolean;
  spacing?: 'Small' | 'Medium';
};
type FactSet = { type: 'FactSet'; facts: { title: string; value: string }[] };

export type AdaptiveCard = {
  $schema: string;
  type: 'AdaptiveCard';
  version: '1.4';
  msteams: { width: 'Full' };
  body: (TextBlock | FactSet)[];
};

export type TeamsMessage = {
  type: 'message';
  attachments: { contentType: 'application/vnd.microsoft.card.adaptive'; contentUrl: null; content: AdaptiveCard }[];
};

export const TEAMS_LIMITS = { text: 12000, facts: 40, factTitle: 100, factValue: 400 };

const COLOR = { critical: 'Attention', error: 'Attention', warning: 'Warning', info: 'Accent' } as const;

export function adaptiveCard(context: TemplateContext, options: PresetOptions): AdaptiveCard {
  const heading: TextBlock = {
    type: 'TextBlock',
    text: cut(title(context), 300),
    size: 'Medium',
    weight: 'Bolder',
    wrap: true,
  };
  if (options.severityGiven) heading.color = COLOR[options.severity];
  const list = fields(context);
  const content: (TextBlock | FactSet)[] = list
    ? [
        {
          type: 'FactSet',
          facts: list.slice(0, TEAMS_LIMITS.facts).map((f) => ({
            title: cut(f.name, TEAMS_LIMITS.factTitle),
            value: cut(f.value, TEAMS_LIMITS.factValue) || ' ',
          })),
        },
      ]
    : [{ type: 'TextBlock', text: cut(bodyText(context), TEAMS_LIMITS.text) || ' ', wrap: true }];
  if (list && list.length > TEAMS_LIMITS.facts) {
    content.push({
      type: 'TextBlock',
      text: `… ${list.length - TEAMS_LIMITS.facts} more fields cut`,
      wrap: true,
      isSubtle: true,
    });
  }
  return {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    msteams: { width: 'Full' },
    body: [
      heading,
      ...content,
      { type: 'TextBlock', text: footer(context), wrap: true, isSubtle: true, size: 'Small', spacing: 'Medium' },
    ],
  };
}

export function renderTeams(context: TemplateContext, options: PresetOptions): RenderedRequest {
  const message: TeamsMessage = {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: adaptiveCard(context, options),
      },
    ],
  };
  return { body: JSON.stringify(message), headers: { ...JSON_HEADERS } };
}
