/**
 * `npm start -- --task`: the example job as template-scheduled-task.yaml runs it on ECS Fargate, with the parent's
 * topics and FailureTopicArn (tooling/task-demo.ts does the ECS side on the emulator). The job's container is the
 * example's task entry point (dist/example-job/task.js, what the image runs as `node /var/task/task.js`) in a child
 * process given exactly the container's environment, plus the emulator's endpoint and credentials standing in for
 * the task role's. A hung run is stopped at TaskTimeoutMinutes and notified to the failure topic, so the operators'
 * email and SMS show it; both runs are in the Runs ledger.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { formatRun, nextRuns } from '../../functions/common/schedule';
import { DIST } from '../paths';
import { deployTaskDemo } from '../task-demo';
import { type DemoContext, MIRRORED_IMAGE, need } from './context';
import { EXAMPLE_JOB_BUNDLE } from './local';
import type { Step } from './steps';

/** The task stack's name: its family, the job in the ledger, is cloud-cron-<stack>. */
export const TASK_STACK = 'example-task';
export const TASK_TIMEOUT_MINUTES = 30;

/** The example job's container as a local process; returns its exit code and what it wrote. */
function runContainer(env: Record<string, string>): Promise<{ code: number; output: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [join(DIST, EXAMPLE_JOB_BUNDLE, 'task.js')], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolveRun({ code: code ?? (signal ? 128 : 1), output }));
  });
}

export const taskStep: Step<DemoContext> = {
  id: 'task',
  title: `deploy template-scheduled-task.yaml (CloudCron macro, task definition, RunTask) wired to the Runs app; run the example job as its task, and a hung run stopped at TaskTimeoutMinutes=${TASK_TIMEOUT_MINUTES}`,
  async run(ctx) {
    const aws = need(ctx, 'aws');
    const deployed = need(ctx, 'deployed');
    const payload = need(ctx, 'payload');
    const { schedule, timezone } = ctx.options;
    const demo = await deployTaskDemo({
      moto: { endpoint: aws.endpoint, env: aws.env, client: aws.client },
      stackName: TASK_STACK,
      parameters: {
        ImageUri: MIRRORED_IMAGE,
        EntryPoint: 'node',
        Command: '/var/task/task.js',
        SnsTopics: deployed.jobParameters.SnsTopics,
        ScheduleExpression: schedule,
        ScheduleTimezone: timezone,
        SchedulePayload: deployed.jobParameters.SchedulePayload ?? JSON.stringify(payload.value),
        TaskTimeoutMinutes: String(TASK_TIMEOUT_MINUTES),
        FailureTopicArn: deployed.jobParameters.FailureTopicArn ?? '',
      },
    });
    let output = '';
    const result = await demo.run(async (env) => {
      const r = await runContainer({ ...aws.env, ...env, POWERTOOLS_LOG_LEVEL: 'WARN' });
      output = r.output;
      return r.code;
    });
    if (result.exitCode !== 0) {
      throw new Error(`the example job failed as a task (exit code ${result.exitCode}):\n${output.slice(-2000)}`);
    }
    ctx.job = {
      environment: result.containerEnv,
      nextRuns: nextRuns(schedule, timezone, 3).map((d) => formatRun(d, timezone)),
    };
    ctx.runs = {
      job: demo.job,
      tableName: demo.tableName,
      registration: demo.registration.Status,
      entries: result.entries,
      table: result.table,
      invocations: [],
      missed: [],
      alerts: [],
    };
    return [
      `task definition ${demo.local.taskDefinitionArn}`,
      ...Object.entries(demo.topicVariables).map(([k, v]) => `container job: ${k}=${v}`),
      `registered with the Runs app (${demo.registration.Status}) as ${demo.job}; ledger ${demo.tableName}`,
      `container environment: ${Object.keys(result.containerEnv).sort().join(', ')}`,
      `example job (dist/${EXAMPLE_JOB_BUNDLE}/task.js) exited with code ${result.exitCode}`,
      ...result.runs.map((x) => `task ${x.taskId}: ${x.status}${x.notified ? ', notified to the failure topic' : ''}`),
    ];
  },
};
