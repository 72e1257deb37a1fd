import type { TemplateContext } from '../../common/context';
import type { Severity } from '../text';

export const PRESETS = ['slack', 'teams', 'pagerduty', 'discord', 'generic'] as const;
export type Preset = (typeof PRESETS)[number];

/** What a preset renders for one message: the JSON body and its own headers (no credentials). */
export type RenderedRequest = { body: string; headers: Record<string, string> };

export type PresetOptions = {
  /** The message's severity when its severity attribute is set (and mapped), else the DefaultSeverity. */
  severity: Severity;
  /** Whether the message itself said its severity (else `severity` is the default). */
  severityGiven: boolean;
  /** PagerDuty: the integration's routing key (from the secret). */
  routingKey?: string;
};

export type RenderPreset = (context: TemplateContext, options: PresetOptions) => RenderedRequest;

export const JSON_HEADERS = { 'Content-Type': 'application/json; charset=utf-8' };
