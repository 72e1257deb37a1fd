/**
 * EventBridge Scheduler's part that moto leaves out: firing the schedules of a group. For a window of simulated
 * time, every schedule stored in the group (on moto, through the real API) fires at its expected times (the same
 * schedule engine as the watchdog: time zone, DST, start and end dates, state, at(), rate() counted from its
 * creation), its target Input gets the Scheduler's context attributes filled in, and the target is handed the
 * event. Before each fire the schedule is read again, so one deleted or disabled meanwhile (by the dispatcher at
 * maxRuns, the reconciler, a test) does not fire; a one-time schedule with ActionAfterCompletion DELETE is deleted
 * after its fire, as Scheduler does.
 *
 * `deliveries` delivers a slot more than once (Scheduler delivers at least once, and retries a target that
 * failed); each delivery has the same scheduled time and execution id, and the next attempt number.
 * Simulated time only moves from fire to fire, in order; `clock.now()` is the fire's time.
 */
import {
  DeleteScheduleCommand,
  GetScheduleCommand,
  type GetScheduleCommandOutput,
  ListSchedulesCommand,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { expectedFireTimes } from '../../functions/common/runs/expected';
import { substituteSchedulerContext } from '../../functions/common/runs/job-context';
import { type Clock, createClock } from './simulator';

export type GroupFire = {
  schedule: string;
  scheduledTime: string;
  executionId: string;
  attempt: number;
  /** What the target returned, or the error it threw. */
  result?: unknown;
  error?: string;
};

export type FireOptions = {
  from: Date;
  until: Date;
  /** The target (the Jobs dispatcher): the event is the schedule's Input with the context filled in. */
  target: (event: unknown, fire: Omit<GroupFire, 'result' | 'error'>) => Promise<unknown> | unknown;
  /** How many times a slot is delivered (default 1). */
  deliveries?: (fire: { schedule: string; scheduledTime: string; index: number }) => number;
  clock?: Clock;
};

const schedulerTime = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');

export async function scheduleNamed(
  client: SchedulerClient,
  group: string,
  name: string,
): Promise<GetScheduleCommandOutput | undefined> {
  try {
    return await client.send(new GetScheduleCommand({ Name: name, GroupName: group }));
  } catch (e) {
    if ((e as { name?: string }).name === 'ResourceNotFoundException') return undefined;
    throw e;
  }
}

export function fireTimes(s: GetScheduleCommandOutput, from: number, until: number): number[] {
  const iso = (d: Date | undefined) => (d ? new Date(d).toISOString() : undefined);
  return expectedFireTimes(
    {
      expression: s.ScheduleExpression!,
      timezone: s.ScheduleExpressionTimezone ?? 'UTC',
      state: (s.State as 'ENABLED' | 'DISABLED') ?? 'ENABLED',
      startDate: iso(s.StartDate),
      endDate: iso(s.EndDate),
      flexibleWindowMinutes:
        s.FlexibleTimeWindow?.Mode === 'FLEXIBLE' ? (s.FlexibleTimeWindow.MaximumWindowInMinutes ?? 0) : 0,
      rateAnchor:
        iso(s.StartDate) ?? iso(s.LastModificationDate) ?? iso(s.CreationDate) ?? new Date(from).toISOString(),
    },
    from,
    until,
  );
}

/** Fires every schedule of `group` over the window; returns each delivery in the order it happened. */
export async function fireScheduleGroup(
  client: SchedulerClient,
  group: string,
  options: FireOptions,
): Promise<GroupFire[]> {
  const clock = options.clock ?? createClock(options.from);
  const from = options.from.getTime();
  const until = options.until.getTime();
  const names: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await client.send(new ListSchedulesCommand({ GroupName: group, NextToken }));
    for (const s of page.Schedules ?? []) names.push(s.Name!);
    NextToken = page.NextToken;
  } while (NextToken);
  const slots: { t: number; name: string; index: number }[] = [];
  for (const name of names) {
    const s = await scheduleNamed(client, group, name);
    if (!s) continue;
    fireTimes(s, from, until).forEach((t, i) => {
      slots.push({ t, name, index: i + 1 });
    });
  }
  slots.sort((a, b) => a.t - b.t || (a.name < b.name ? -1 : 1));
  const out: GroupFire[] = [];
  for (const slot of slots) {
    const s = await scheduleNamed(client, group, slot.name);
    // Deleted or disabled meanwhile, or changed so that this is no longer one of its times: no fire.
    if (!s || s.State === 'DISABLED' || !fireTimes(s, slot.t, slot.t + 1).includes(slot.t)) continue;
    clock.set(Math.max(clock.ms(), slot.t));
    const scheduledTime = schedulerTime(slot.t);
    const executionId = `${slot.name}-${slot.t.toString(36)}-exec`;
    const times = options.deliveries?.({ schedule: slot.name, scheduledTime, index: slot.index }) ?? 1;
    for (let attempt = 1; attempt <= times; attempt++) {
      const fire = { schedule: slot.name, scheduledTime, executionId, attempt };
      const input = substituteSchedulerContext(s.Target?.Input ?? '{}', {
        scheduledTime,
        executionId,
        attempt,
        scheduleArn: s.Arn!,
      });
      try {
        out.push({ ...fire, result: await options.target(JSON.parse(input), fire) });
      } catch (e) {
        out.push({ ...fire, error: `${(e as Error).name}: ${(e as Error).message}` });
      }
    }
    if (s.ActionAfterCompletion === 'DELETE' && s.ScheduleExpression?.startsWith('at(')) {
      // A one-time schedule that ran deletes itself.
      try {
        await client.send(new DeleteScheduleCommand({ Name: slot.name, GroupName: group }));
      } catch (e) {
        if ((e as { name?: string }).name !== 'ResourceNotFoundException') throw e;
      }
    }
  }
  return out;
}
