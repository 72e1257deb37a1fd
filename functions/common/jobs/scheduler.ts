/**
 * The app's schedule group over EventBridge Scheduler's API: create, replace and delete the schedules of jobs, and
 * list the group. "Already exists" and "not found" are answers, not errors; everything else is thrown.
 */
import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ListSchedulesCommand,
  type SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';

export type ScheduleCalls<R> = {
  create(request: R): Promise<string | undefined>;
  update(request: R): Promise<string | undefined>;
  delete(name: string): Promise<boolean>;
  names(): Promise<string[]>;
};

const named = (e: unknown, name: string) => (e as { name?: string })?.name === name;

export function createScheduleCalls<R extends { Name: string }>(
  client: SchedulerClient,
  groupName: string,
): ScheduleCalls<R> {
  return {
    async create(request) {
      try {
        const r = await client.send(new CreateScheduleCommand(request as never));
        return r.ScheduleArn ?? '';
      } catch (e) {
        if (named(e, 'ConflictException')) return undefined;
        throw e;
      }
    },
    async update(request) {
      try {
        const r = await client.send(new UpdateScheduleCommand(request as never));
        return r.ScheduleArn ?? '';
      } catch (e) {
        if (named(e, 'ResourceNotFoundException')) return undefined;
        throw e;
      }
    },
    async delete(name) {
      try {
        await client.send(new DeleteScheduleCommand({ Name: name, GroupName: groupName }));
        return true;
      } catch (e) {
        if (named(e, 'ResourceNotFoundException')) return false;
        throw e;
      }
    },
    async names() {
      const out: string[] = [];
      let NextToken: string | undefined;
      do {
        const r = await client.send(new ListSchedulesCommand({ GroupName: groupName, NextToken, MaxResults: 100 }));
        for (const s of r.Schedules ?? []) if (s.Name) out.push(s.Name);
        NextToken = r.NextToken;
      } while (NextToken);
      return out;
    },
  };
}
