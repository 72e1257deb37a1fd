/**
 * The ECS calls the monitor makes, on its own cluster and family only: the tasks that are meant to run
 * (desiredStatus RUNNING, which includes PROVISIONING and PENDING ones) and StopTask with a reason.
 */
import {
  DescribeTasksCommand,
  type ECSClient,
  ListTasksCommand,
  StopTaskCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { EcsCallError } from './errors';

export type Ecs = Pick<ECSClient, 'send'>;

/** DescribeTasks takes at most 100 tasks per call. */
const DESCRIBE_BATCH = 100;

export async function runningTasks(ecs: Ecs, cluster: string, family: string): Promise<Task[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await ecs.send(
        new ListTasksCommand({ cluster, family, desiredStatus: 'RUNNING', maxResults: 100, nextToken }),
      );
      arns.push(...(page.taskArns ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
  } catch (e) {
    throw new EcsCallError(`ECS ListTasks for family ${family} in ${cluster} failed: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const tasks: Task[] = [];
  for (let i = 0; i < arns.length; i += DESCRIBE_BATCH) {
    try {
      const r = await ecs.send(new DescribeTasksCommand({ cluster, tasks: arns.slice(i, i + DESCRIBE_BATCH) }));
      tasks.push(...(r.tasks ?? []));
    } catch (e) {
      throw new EcsCallError(`ECS DescribeTasks in ${cluster} failed: ${(e as Error).message}`, { cause: e });
    }
  }
  return tasks;
}

export async function stopTask(ecs: Ecs, cluster: string, taskArn: string, reason: string): Promise<void> {
  try {
    await ecs.send(new StopTaskCommand({ cluster, task: taskArn, reason }));
  } catch (e) {
    throw new EcsCallError(`ECS StopTask of ${taskArn} failed: ${(e as Error).message}`, { cause: e });
  }
}
