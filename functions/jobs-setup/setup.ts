/**
 * The Jobs app's schedule group and its configuration record, as a custom resource (JobsSetup in
 * template-jobs.yaml). The Serverless Application Repository's list of resource types has no
 * AWS::Scheduler::ScheduleGroup, so the app creates its group itself:
 *
 * - Create / Update: the group named GroupName exists and is this stack's (tagged with its stack id; a group of
 *   that name made by anyone else is refused, never taken over), and the table's CONFIG record says where things
 *   are (group, dispatcher, AllowedTargetArns, bucket and prefix) for the CLI and the dashboard.
 * - Delete: the group is deleted if it is this stack's, which deletes every schedule in it; the record goes too.
 *   An Update that renames the group creates the new one; CloudFormation then deletes the old physical id.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { type CustomResourceResult, FAILED_PREFIX } from '../common/custom-resource';
import { CloudCronError } from '../common/errors';
import type { ConfigItem } from '../common/jobs/table';
import { CONFIG_KEY } from '../common/jobs/table';
import { patternProblems } from '../common/jobs/targets';

export const OWNER_TAG = 'cloud-cron:jobs-stack';

export class SetupError extends CloudCronError {
  override name = 'SetupError';
}

export type Groups = {
  create(name: string, tags: Record<string, string>): Promise<string>;
  /** The group's ARN and tags, or undefined when there is no such group. */
  describe(name: string): Promise<{ arn: string; tags: Record<string, string> } | undefined>;
  delete(name: string): Promise<void>;
};

/** The configuration record; `delete` removes it only while it still names `groupName`. */
export type ConfigRecords = { put(item: ConfigItem): Promise<void>; delete(groupName: string): Promise<void> };

const NAME = /^[0-9A-Za-z_.-]{1,64}$/;

type Props = {
  GroupName?: string;
  DispatcherArn?: string;
  AllowedTargetArns?: string[] | string;
  Bucket?: string;
  Prefix?: string;
};

export function createSetup(groups: Groups, config: ConfigRecords, now: () => Date) {
  return async (event: CloudFormationCustomResourceEvent): Promise<CustomResourceResult> => {
    const props = event.ResourceProperties as Props;
    if (event.RequestType === 'Delete') {
      const id = event.PhysicalResourceId;
      if (id.startsWith(FAILED_PREFIX) || !NAME.test(id)) return { physicalResourceId: id };
      const found = await groups.describe(id);
      if (found && found.tags[OWNER_TAG] === event.StackId) await groups.delete(id);
      // After a rename the record names the new group: it stays.
      await config.delete(id);
      return { physicalResourceId: id };
    }
    const name = String(props.GroupName ?? '');
    if (!NAME.test(name))
      throw new SetupError(`ScheduleGroupName "${name}" must be 1-64 letters, digits, "-", "_" or "."`);
    if (name === 'default')
      throw new SetupError('ScheduleGroupName "default" is the account\'s default group: choose another name');
    const patterns = ([] as string[])
      .concat(props.AllowedTargetArns ?? [])
      .flatMap((p) => p.split(','))
      .map((p) => p.trim())
      .filter(Boolean);
    const problems = patternProblems(patterns);
    if (problems.length) throw new SetupError(problems.join('; '));
    const found = await groups.describe(name);
    let arn: string;
    if (found) {
      if (found.tags[OWNER_TAG] !== event.StackId) {
        throw new SetupError(
          `a schedule group named ${name} already exists in this account and region and is not this stack's: choose another ScheduleGroupName, or delete that group`,
        );
      }
      arn = found.arn;
    } else {
      arn = await groups.create(name, { [OWNER_TAG]: event.StackId });
    }
    await config.put({
      ...CONFIG_KEY,
      groupName: name,
      dispatcherArn: String(props.DispatcherArn ?? ''),
      allowedTargetArns: patterns,
      bucket: String(props.Bucket ?? ''),
      prefix: String(props.Prefix ?? ''),
      stackId: event.StackId,
      updatedAt: now().toISOString(),
    });
    return { physicalResourceId: name, data: { Arn: arn, Name: name } };
  };
}
