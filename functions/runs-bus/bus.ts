/**
 * The Runs bus as a custom resource (RunsBus in template-runs.yaml). The Serverless Application Repository does
 * not accept AWS::Events::EventBus, so the app creates its bus itself: Create makes the bus (tagged with the
 * stack that owns it), Update with a new name makes the new one (CloudFormation then deletes the old), Delete
 * removes the bus only if this stack owns it. A retried Create that finds its own bus succeeds; a bus of the same
 * name that another stack or a person made is never taken over.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import type { CustomResourceResult } from '../common/custom-resource';
import { FAILED_PREFIX } from '../common/custom-resource';
import { CloudCronError } from '../common/errors';

export const OWNER_TAG = 'cloud-cron:runs-stack';

export class BusError extends CloudCronError {
  override name = 'BusError';
}

export type Buses = {
  create(name: string, tags: Record<string, string>): Promise<string>;
  /** The bus's ARN and tags, or undefined when there is no such bus. */
  describe(name: string): Promise<{ arn: string; tags: Record<string, string> } | undefined>;
  delete(name: string): Promise<void>;
};

const NAME = /^[A-Za-z0-9._-]{1,64}$/;

export function createBusProvider(buses: Buses) {
  async function ensure(name: string, stackId: string): Promise<CustomResourceResult> {
    if (!NAME.test(name)) throw new BusError(`BusName "${name}" must be 1-64 letters, digits, ".", "_" or "-"`);
    if (name === 'default') throw new BusError('BusName "default" is the account\'s default bus: choose another name');
    const found = await buses.describe(name);
    let arn: string;
    if (found) {
      if (found.tags[OWNER_TAG] !== stackId) {
        throw new BusError(
          `an event bus named ${name} already exists in this account and region and is not this stack's: choose another BusName, or delete that bus`,
        );
      }
      arn = found.arn;
    } else {
      arn = await buses.create(name, { [OWNER_TAG]: stackId });
    }
    return { physicalResourceId: name, data: { Arn: arn, Name: name } };
  }

  return async (event: CloudFormationCustomResourceEvent): Promise<CustomResourceResult> => {
    const name = String((event.ResourceProperties as Record<string, unknown>).Name ?? '');
    if (event.RequestType === 'Delete') {
      const id = event.PhysicalResourceId;
      if (id.startsWith(FAILED_PREFIX) || !NAME.test(id)) return { physicalResourceId: id };
      const found = await buses.describe(id);
      if (found && found.tags[OWNER_TAG] === event.StackId) await buses.delete(id);
      return { physicalResourceId: id };
    }
    return ensure(name, event.StackId);
  };
}
