/**
 * PagerDuty Events API v2 (POST https://events.pagerduty.com/v2/enqueue): a `trigger` event whose `dedup_key` is
 * the SNS message id, so a redelivered message updates the same alert instead of opening a second incident.
 *
 * payload.summary (at most 1024 characters) is the title and the first line of the message; payload.severity is
 * critical | error | warning | info, from the severity attribute (DefaultSeverity otherwise); payload.source the
 * `source` attribute, else the topic's name; component, group and class from attributes of those names; the
 * message itself in custom_details.
 */
import type { EventPayloadV2 } from '@pagerduty/pdjs/build/src/events';
import type { TemplateContext } from '../../common/context';
import { topicName } from '../../common/render';
import { bodyText, cut, title } from '../text';
import { JSON_HEADERS, type PresetOptions, type RenderedRequest } from './types';

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';
export const PAGERDUTY_LIMITS = { summary: 1024, source: 255 };

export function pagerDutyEvent(context: TemplateContext, options: PresetOptions): EventPayloadV2 {
  if (!options.routingKey) throw new TypeError('the pagerduty preset needs a routing key');
  const firstLine = bodyText(context).split('\n', 1)[0] ?? '';
  const summary = context.subject.trim() ? `${title(context)}: ${firstLine}` : firstLine || title(context);
  const attr = context.attributes;
  const payload: EventPayloadV2['payload'] = {
    summary: cut(summary.replace(/\s+/g, ' ').trim() || title(context), PAGERDUTY_LIMITS.summary),
    source: cut(attr.source || topicName(context.topicArn), PAGERDUTY_LIMITS.source),
    severity: options.severity,
    custom_details: {
      ...(typeof context.message === 'string' ? { message: context.message } : context.message),
      ...(Object.keys(attr).length ? { sns_attributes: attr } : {}),
      sns_topic: context.topicArn,
      sns_message_id: context.messageId,
    },
  };
  if (context.timestamp && !Number.isNaN(Date.parse(context.timestamp))) payload.timestamp = context.timestamp;
  if (attr.component) payload.component = attr.component;
  if (attr.group) payload.group = attr.group;
  if (attr.class) payload.class = attr.class;
  return {
    routing_key: options.routingKey,
    event_action: 'trigger',
    dedup_key: cut(context.messageId, 255),
    payload,
  };
}

export function renderPagerDuty(context: TemplateContext, options: PresetOptions): RenderedRequest {
  const event = { ...pagerDutyEvent(context, options), client: 'Cloud Cron' };
  return { body: JSON.stringify(event), headers: { ...JSON_HEADERS } };
}
