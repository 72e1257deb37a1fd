/** Picks the preset's renderer: one function from a message's context to the request body. */
import type { TemplateContext } from '../../common/context';
import { type Severity, severityOf } from '../text';
import { renderDiscord } from './discord';
import { createGenericRenderer } from './generic';
import { renderPagerDuty } from './pagerduty';
import { renderSlack } from './slack';
import { renderTeams } from './teams';
import type { Preset, RenderedRequest, RenderPreset } from './types';

export type RenderSettings = {
  preset: Preset;
  bodyTemplate?: string;
  severityAttribute: string;
  defaultSeverity: Severity;
};

export type Renderer = (context: TemplateContext, secret: { routingKey?: string }) => RenderedRequest;

export function createRenderer(settings: RenderSettings): Renderer {
  if (settings.preset === 'generic') {
    const generic = createGenericRenderer(settings.bodyTemplate);
    return (context) => generic(context);
  }
  const render: RenderPreset = {
    slack: renderSlack,
    teams: renderTeams,
    pagerduty: renderPagerDuty,
    discord: renderDiscord,
  }[settings.preset];
  return (context, secret) => {
    const marker = Symbol('none');
    const given = severityOf(context, settings.severityAttribute, marker as unknown as Severity);
    const severityGiven = given !== (marker as unknown as Severity);
    return render(context, {
      severity: severityGiven ? given : settings.defaultSeverity,
      severityGiven,
      ...(secret.routingKey ? { routingKey: secret.routingKey } : {}),
    });
  };
}
