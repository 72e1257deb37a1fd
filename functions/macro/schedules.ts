/**
 * Schedule validation: every schedule expression, time zone and target Input the template declares, checked before
 * anything is created, with `Ref`s to parameters resolved. The rules themselves live in common/schedule.
 *
 * Where schedules live: `Schedule` and `ScheduleV2` events of SAM functions and state machines,
 * AWS::Scheduler::Schedule, AWS::Events::Rule (its ScheduleExpression). Target payloads (`Input`, JSON text) are
 * checked on the same resources and on SAM `EventBridgeRule`/`CloudWatchEvent` events and every AWS::Events::Rule
 * target: EventBridge refuses an Input that is not JSON, at deploy time.
 */
import { runsAfter, validateSchedule } from '../common/schedule';
import { MacroError } from './errors';
import type { Fragment, Resolved } from './fragment';
import { isObject, own, ownMap } from './json';

export type ScheduleSite = {
  where: string;
  expression?: unknown;
  timezone?: unknown;
  input?: unknown;
  /** EventBridge Scheduler (zones, at()) rather than a classic EventBridge rule. */
  scheduler: boolean;
  /** How messages name the payload: "the schedule's Input" or "the target's Input". */
  inputLabel: string;
};

const SCHEDULE_INPUT = "the schedule's Input";
const TARGET_INPUT = "the target's Input";

/** Resource types that may hold an `Events` map of SAM events. */
export const SAM_EVENT_SOURCES = new Set(['AWS::Serverless::Function', 'AWS::Serverless::StateMachine']);
/** SAM event types the macro checks. */
export const CHECKED_EVENT_TYPES = new Set(['Schedule', 'ScheduleV2', 'EventBridgeRule', 'CloudWatchEvent']);

/** The sites of one SAM event (none when it is not a schedule or a rule). */
export function eventSites(where: string, ev: unknown): ScheduleSite[] {
  const ep = ownMap(ev, 'Properties');
  if (!ep) return [];
  const type = own(ev, 'Type');
  if (type === 'Schedule') {
    return [
      { where, expression: own(ep, 'Schedule'), input: own(ep, 'Input'), scheduler: false, inputLabel: SCHEDULE_INPUT },
    ];
  }
  if (type === 'ScheduleV2') {
    return [
      {
        where,
        expression: own(ep, 'ScheduleExpression'),
        timezone: own(ep, 'ScheduleExpressionTimezone'),
        input: own(ep, 'Input'),
        scheduler: true,
        inputLabel: SCHEDULE_INPUT,
      },
    ];
  }
  if (type === 'EventBridgeRule' || type === 'CloudWatchEvent') {
    return [{ where, input: own(ep, 'Input'), scheduler: false, inputLabel: TARGET_INPUT }];
  }
  return [];
}

/** The sites of one resource. */
export function resourceSites(id: string, res: unknown): ScheduleSite[] {
  const type = own(res, 'Type');
  const p = ownMap(res, 'Properties') ?? {};
  if (typeof type === 'string' && SAM_EVENT_SOURCES.has(type)) {
    const events = ownMap(p, 'Events') ?? {};
    return Object.entries(events).flatMap(([eventId, ev]) => eventSites(`${id} event ${eventId}`, ev));
  }
  if (type === 'AWS::Scheduler::Schedule') {
    return [
      {
        where: id,
        expression: own(p, 'ScheduleExpression'),
        timezone: own(p, 'ScheduleExpressionTimezone'),
        input: own(ownMap(p, 'Target'), 'Input'),
        scheduler: true,
        inputLabel: SCHEDULE_INPUT,
      },
    ];
  }
  if (type === 'AWS::Events::Rule') {
    const sites: ScheduleSite[] = [];
    if (own(p, 'ScheduleExpression') !== undefined) {
      sites.push({ where: id, expression: own(p, 'ScheduleExpression'), scheduler: false, inputLabel: TARGET_INPUT });
    }
    const targets = own(p, 'Targets');
    if (Array.isArray(targets)) {
      targets.forEach((t, i) => {
        if (!isObject(t) || own(t, 'Input') === undefined) return;
        const tid = own(t, 'Id');
        const name = typeof tid === 'string' ? `target ${tid}` : `target ${i + 1}`;
        sites.push({ where: `${id} ${name}`, input: own(t, 'Input'), scheduler: false, inputLabel: TARGET_INPUT });
      });
    }
    return sites;
  }
  return [];
}

/** A message that never shows the value of a NoEcho parameter. */
function redact(message: string, r: Resolved | undefined): string {
  if (!r?.secret) return message;
  const text = String(r.value);
  const label = r.parameter ? `<value of NoEcho parameter ${r.parameter}>` : '<value built from a NoEcho parameter>';
  return text ? message.split(text).join(label) : message;
}

function checkSite(fragment: Fragment, site: ScheduleSite, warnings: string[], now: Date): void {
  const expr = fragment.resolve(site.expression);
  const zoneValue = fragment.resolve(site.timezone);
  if (typeof expr?.value === 'string') {
    const expression = expr.value;
    const fail = (message: string, cause?: unknown) => {
      throw new MacroError(redact(redact(message, expr), zoneValue), { cause });
    };
    if (!site.scheduler && expression.trim().startsWith('at(')) {
      fail(
        `${site.where}: schedule expression "${expression}": at() one-time schedules need EventBridge Scheduler (a ScheduleV2 event or AWS::Scheduler::Schedule); EventBridge rules accept only rate() and cron()`,
      );
    }
    // A zone that is given must be valid, an empty one included (Scheduler's ScheduleExpressionTimezone is 1-50
    // characters): leave it out for UTC. Classic rules have no zone.
    const zone = site.scheduler && typeof zoneValue?.value === 'string' ? zoneValue.value : undefined;
    try {
      validateSchedule(expression, zone, { dialect: site.scheduler ? 'scheduler' : 'rule' });
    } catch (e) {
      fail(`${site.where}: ${(e as Error).message}`, e);
    }
    // Valid but spent (an at() in the past, a cron whose years are over): accepted, so a stack whose one-time
    // schedule already ran stays updatable, and reported as a warning.
    if (!runsAfter(expression, zone ?? 'UTC', now)) {
      warnings.push(
        redact(
          `${site.where}: schedule expression "${expression}" has no run after ${now.toISOString()}; it will never fire`,
          expr,
        ),
      );
    }
  }
  const input = fragment.resolve(site.input);
  if (typeof input?.value === 'string' && input.value.trim()) {
    try {
      JSON.parse(input.value);
    } catch (e) {
      const shown = input.secret
        ? input.parameter
          ? `from NoEcho parameter ${input.parameter}`
          : 'built from a NoEcho parameter'
        : `${JSON.stringify(input.value.slice(0, 80))}`;
      const why = input.secret ? '' : ` (${(e as Error).message})`;
      throw new MacroError(
        `${site.where}: ${site.inputLabel} ${shown} is not valid JSON${why}: pass a JSON document such as {}`,
        { cause: input.secret ? undefined : e },
      );
    }
  }
}

/** Checks every schedule of the template's resources; spent schedules are added to `warnings`. */
export function validateSchedules(fragment: Fragment, warnings: string[], now: Date): void {
  for (const [id, res] of fragment.resources()) {
    for (const site of resourceSites(id, res)) checkSite(fragment, site, warnings, now);
  }
}
