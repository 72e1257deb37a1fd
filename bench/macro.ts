/**
 * The CloudCron macro on large inputs. Each case runs in several fresh Node processes with the macro's
 * environment; in each, the first call after the bundle loaded is the cold one (CloudFormation calls the macro once
 * per change set, so this is the common case), the following calls are warm. Reported: the first calls' and the
 * warm calls' medians (min, max).
 *
 * - the scheduled-job template (template-scheduled-lambda.yaml) with a 2-topic map, as `npm start` uses it;
 * - the same template with a 200-entry map: every entry is parsed and checked, then the template is refused,
 *   because 200 variables cannot fit Lambda's 4 KB environment (each entry needs at least ~40 bytes);
 * - a template with 20 functions, each with a ScheduleV2 event (cron, rate and at() in several time zones) and its
 *   own 10-entry map (200 entries in all), which the macro validates and expands.
 */
import { fork, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../tooling/build';
import { loadTemplate, type Template } from '../tooling/cfn-yaml';
import type { Bundles } from './lib/bundles';
import { ACCOUNT, baseEnv, REGION, templateEnv } from './lib/env';
import { median, type Summary, summarize } from './lib/stats';

export type MacroCase = {
  name: string;
  expect: 'success' | 'failure';
  entries: number;
  functions: number;
  fragmentBytes: number;
  first: Summary;
  warm: Summary;
  errorMessage?: string;
};

const ZONES = ['UTC', 'Europe/Paris', 'America/New_York', 'Asia/Tokyo', 'Australia/Sydney'];

function topics(count: number, prefix: string): string {
  return Array.from(
    { length: count },
    (_, i) =>
      `${prefix}${String(i + 1).padStart(3, '0')}=arn:aws:sns:${REGION}:${ACCOUNT}:${prefix.toLowerCase()}-topic-${i + 1}`,
  ).join(',');
}

function event(fragment: Template, templateParameterValues: Record<string, unknown>, requestId: string) {
  return {
    region: REGION,
    accountId: ACCOUNT,
    transformId: `${ACCOUNT}::CloudCron`,
    requestId,
    params: {},
    fragment,
    templateParameterValues,
  };
}

function scheduledJob(snsTopics: string) {
  const fragment = loadTemplate(join(ROOT, 'template-scheduled-lambda.yaml'));
  return event(
    fragment,
    {
      LambdaImageUri: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/cloud-cron-example-job:latest`,
      SnsTopics: snsTopics,
      ScheduleExpression: 'cron(0 8 ? * MON-FRI *)',
      ScheduleTimezone: 'Europe/Paris',
    },
    `bench-${snsTopics.length}`,
  );
}

/** 20 functions, each with a schedule and its own 10-topic map parameter. */
export function twentyFunctionsEvent() {
  const parameters: Record<string, unknown> = { SnsTopics: { Type: 'String', Default: '' } };
  const values: Record<string, string> = {};
  const resources: Record<string, unknown> = {};
  const expressions = ['cron(0 8 ? * MON-FRI *)', 'rate(15 minutes)', 'cron(30 2 L * ? *)', 'at(2030-01-31T07:30:00)'];
  for (let f = 1; f <= 20; f++) {
    const id = `Job${String(f).padStart(2, '0')}`;
    const param = `${id}Topics`;
    parameters[param] = { Type: 'String', Default: '' };
    values[param] = topics(10, `T${id.toUpperCase()}_`);
    resources[`${id}Function`] = {
      Type: 'AWS::Serverless::Function',
      Metadata: { CloudCron: { SnsTopicsParameter: param } },
      Properties: {
        PackageType: 'Image',
        ImageUri: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/job-${f}:latest`,
        MemorySize: 512,
        Timeout: 300,
        Environment: { Variables: { LOG_LEVEL: 'info', JOB: id } },
        Policies: ['AWSLambdaBasicExecutionRole'],
        Events: {
          Schedule: {
            Type: 'ScheduleV2',
            Properties: {
              ScheduleExpression: expressions[f % expressions.length],
              ScheduleExpressionTimezone: ZONES[f % ZONES.length],
              Input: JSON.stringify({ job: id, lookbackHours: 24 }),
            },
          },
        },
      },
    };
  }
  const fragment = {
    AWSTemplateFormatVersion: '2010-09-09',
    Transform: 'AWS::Serverless-2016-10-31',
    Parameters: parameters,
    Resources: resources,
  } as unknown as Template;
  return event(fragment, values, 'bench-20-functions');
}

async function runCase(bundles: Bundles, ev: unknown, warm: number) {
  const child = fork(join(__dirname, 'children', 'macro.js'), [], {
    env: baseEnv(templateEnv(bundles, 'macro')),
    execArgv: [],
    // The macro logs one line per request (Powertools Logger, INFO): written and dropped, as on Lambda.
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  try {
    const reply = await new Promise<{
      ok: boolean;
      error?: string;
      times: number[];
      first: { status: string; errorMessage?: string; fragmentBytes: number };
    }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as never));
      child.once('exit', (code) => reject(new Error(`macro runner exited (${code}) without an answer:\n${stderr}`)));
      child.send({ bundle: bundles.functions.macro, event: ev, warm });
    });
    if (!reply.ok) throw new Error(`macro runner failed: ${reply.error}`);
    return reply;
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

export async function macroCases(bundles: Bundles, options: { processes: number; warm: number }): Promise<MacroCase[]> {
  const cases = [
    {
      name: 'scheduled-job template, 2-entry map',
      expect: 'success',
      entries: 2,
      functions: 1,
      event: scheduledJob(topics(2, 'TOPIC_')),
    },
    {
      name: 'scheduled-job template, 200-entry map',
      expect: 'failure',
      entries: 200,
      functions: 1,
      event: scheduledJob(topics(200, 'T_')),
    },
    {
      name: '20 functions, 10-entry map each (200 entries)',
      expect: 'success',
      entries: 200,
      functions: 20,
      event: twentyFunctionsEvent(),
    },
  ] as const;
  const perProcess = Math.max(5, Math.ceil(options.warm / options.processes));
  const out: MacroCase[] = [];
  for (const c of cases) {
    const first: number[] = [];
    const warm: number[] = [];
    let reply: Awaited<ReturnType<typeof runCase>> | undefined;
    for (let p = 0; p < options.processes; p++) {
      reply = await runCase(bundles, c.event, perProcess);
      if (reply.first.status !== c.expect) {
        throw new Error(
          `macro case "${c.name}": expected ${c.expect}, got ${reply.first.status} ${reply.first.errorMessage ?? ''}`,
        );
      }
      if (c.expect === 'failure' && !/4 KB/.test(reply.first.errorMessage ?? '')) {
        throw new Error(`macro case "${c.name}" was refused for another reason: ${reply.first.errorMessage}`);
      }
      first.push(reply.times[0]);
      warm.push(...reply.times.slice(1));
    }
    if (!reply) throw new Error('no macro run');
    out.push({
      name: c.name,
      expect: c.expect,
      entries: c.entries,
      functions: c.functions,
      fragmentBytes: reply.first.fragmentBytes,
      first: summarize(first),
      warm: summarize(warm),
      errorMessage: reply.first.errorMessage,
    });
  }
  return out;
}

/** The first `Intl.DateTimeFormat` with a time zone in a fresh Node process: ICU loading its data (median of `runs`). */
export function icuFirstUse(runs = 5): number {
  const script = `const t = performance.now(); new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Tokyo', hour: 'numeric' }).formatToParts(new Date()); process.stdout.write(String(performance.now() - t));`;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const res = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: baseEnv() });
    if (res.status !== 0) throw new Error(`measuring Intl failed: ${res.stderr}`);
    times.push(Number(res.stdout));
  }
  return median(times);
}
