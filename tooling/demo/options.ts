/**
 * What `npm start` is asked to do, and the checks made before anything starts: every problem names the flag or the
 * file at fault. The job's parameters are checked against the job template's own constraints (SchedulePayload at
 * most 4096 characters, ...), the schedule by the shared validator the CloudCron macro uses.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ScheduleError, validateSchedule, validateTimezone } from '../../functions/common/schedule';
import { app } from '../apps';
import { loadTemplate } from '../cfn-yaml';
import { historyWindow } from '../dashboard-demo';
import { ROOT } from '../paths';
import { parameterProblem } from '../template-params';

export type StartOptions = {
  /** A JSON file: the event the schedule sends the job. Default: a demo health check of local endpoints. */
  payload?: string;
  /** The job's ScheduleExpression. */
  schedule?: string;
  /** The job's ScheduleTimezone. */
  timezone?: string;
  /** Where the emails, the summary and result.json are written. */
  outDir?: string;
  /** An AWS emulator to use instead of starting moto_server. */
  awsEndpoint?: string;
  /** A Twilio API to use instead of the local stand-in. */
  twilioBaseUrl?: string;
  /**
   * Run the job over this window of simulated time instead of once now: every slot of its schedule fires, and the
   * Runs app's watchdog runs on its schedule. At most MAX_WINDOW_DAYS long.
   */
  window?: { from: Date | string; until: Date | string };
  /** With a window: the Nth run fails on every attempt (a failed run, alerted). */
  failRun?: number;
  /** With a window: the scheduler never delivers the Nth run (a missed run, alerted). */
  skipRun?: number;
  /** With a window: how often the watchdog runs (default: the Runs app's WatchdogRateMinutes default). */
  watchdogMinutes?: number;
  /**
   * A folder (or file) of job definitions: apply them to the Jobs app on the emulator instead of running the example
   * job, and with a window fire them (tooling/demo/jobs.ts).
   */
  jobs?: string;
  /** Leave the emulators running; the result's `stop()` ends them. */
  keepRunning?: boolean;
  /**
   * Run the job as a scheduled task on ECS Fargate runs it (template-scheduled-task.yaml, tooling/task-demo.ts),
   * once now, and a hung run stopped at TaskTimeoutMinutes; not with a window.
   */
  task?: boolean;
  /**
   * `npm start -- --dashboard`: run the job over the last few days of simulated history (historyWindow: one failed
   * run, one missed run), add a local Jobs registry, serve the dashboard on it and keep everything running.
   * Incompatible with a window, failRun and skipRun (it makes its own).
   */
  dashboard?: boolean | { port?: number };
  /** Aborting stops every process the run started. */
  signal?: AbortSignal;
};

export const DEFAULTS = {
  schedule: 'cron(0 8 ? * MON-FRI *)',
  timezone: 'Europe/Paris',
  outDir: join(ROOT, 'out', 'demo'),
} as const;

/** The longest window of simulated time a run covers. */
export const MAX_WINDOW_DAYS = 31;

/** The options once checked: the payload read (undefined: the demo's own, built once its endpoints listen). */
export type CheckedOptions = Required<Pick<StartOptions, 'schedule' | 'timezone' | 'outDir'>> &
  Omit<StartOptions, 'payload' | 'window'> & {
    payload?: { file: string; value: unknown };
    window?: { from: Date; until: Date };
  };

/** An option `npm start` cannot run with; `flag` is the option at fault (as `--payload`, `--tz`, ...). */
export class StartOptionsError extends Error {
  override name = 'StartOptionsError';
  constructor(
    readonly flag: string,
    message: string,
  ) {
    super(message);
  }
}

export function checkOptions(options: StartOptions): CheckedOptions {
  const schedule = options.schedule ?? DEFAULTS.schedule;
  const timezone = options.timezone ?? DEFAULTS.timezone;
  const outDir = resolve(options.outDir ?? DEFAULTS.outDir);
  const job = loadTemplate(join(ROOT, app('job').template));
  const param = (flag: string, name: string, value: string, label = flag) => {
    const p = job.Parameters?.[name];
    const problem = p && parameterProblem(p, value);
    if (problem) throw new StartOptionsError(flag, `${label}: the job's ${name} ${problem}`);
  };

  param('--tz', 'ScheduleTimezone', timezone);
  try {
    validateTimezone(timezone);
  } catch (e) {
    if (!(e instanceof ScheduleError)) throw e;
    throw new StartOptionsError('--tz', `--tz ${JSON.stringify(timezone)}: ${e.message}`);
  }
  param('--schedule', 'ScheduleExpression', schedule);
  try {
    validateSchedule(schedule, timezone);
  } catch (e) {
    if (!(e instanceof ScheduleError)) throw e;
    throw new StartOptionsError('--schedule', `--schedule: ${e.message}`);
  }

  let payload: CheckedOptions['payload'];
  if (options.payload !== undefined) {
    const given = options.payload;
    const file = resolve(given);
    if (!existsSync(file) || !statSync(file).isFile())
      throw new StartOptionsError('--payload', `--payload ${given}: no such file`);
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new StartOptionsError('--payload', `--payload ${given} is not JSON: ${(e as Error).message}`);
    }
    param('--payload', 'SchedulePayload', JSON.stringify(value), `--payload ${given}`);
    payload = { file, value };
  }

  let jobs: string | undefined;
  if (options.jobs !== undefined) {
    jobs = resolve(options.jobs);
    if (!existsSync(jobs)) throw new StartOptionsError('--jobs', `--jobs ${options.jobs}: no such folder or file`);
    const exampleOnly = [
      ['--payload', options.payload],
      ['--fail-run', options.failRun],
      ['--skip-run', options.skipRun],
    ].find(([, v]) => v !== undefined);
    if (exampleOnly)
      throw new StartOptionsError(
        String(exampleOnly[0]),
        `${exampleOnly[0]} is about the example job, which --jobs does not run: leave it out`,
      );
  }

  if (existsSync(outDir) && !statSync(outDir).isDirectory())
    throw new StartOptionsError('--out', `--out ${options.outDir} is a file, not a folder`);
  if (options.awsEndpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(options.awsEndpoint))
    throw new StartOptionsError('AWS_ENDPOINT_URL', `AWS_ENDPOINT_URL ${options.awsEndpoint} is not an http(s) URL`);
  if (options.twilioBaseUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(options.twilioBaseUrl))
    throw new StartOptionsError(
      'TWILIO_API_BASE_URL',
      `TWILIO_API_BASE_URL ${options.twilioBaseUrl} is not an http(s) URL`,
    );
  const modes = (['task', 'dashboard', 'jobs'] as const).filter((m) => options[m]);
  if (modes.length > 1)
    throw new StartOptionsError(
      `--${modes[1]}`,
      `--${modes.join(' and --')} are different modes of npm start: give one of them`,
    );
  if (
    options.task &&
    (options.window ||
      options.failRun !== undefined ||
      options.skipRun !== undefined ||
      options.watchdogMinutes !== undefined)
  ) {
    throw new StartOptionsError(
      '--task',
      "--task runs the task once, now: leave out --from, --until, --fail-run, --skip-run and --watchdog-minutes (they simulate the Lambda job's schedule)",
    );
  }
  if (options.dashboard)
    return { ...options, schedule, timezone, outDir, payload, jobs, ...dashboardHistory(options, schedule, timezone) };
  return { ...options, schedule, timezone, outDir, payload, jobs, window: checkWindow(options) };
}

function instant(flag: string, value: Date | string): Date {
  const d = typeof value === 'string' ? new Date(value) : value;
  if ((typeof value === 'string' && !/^\d{4}-\d{2}-\d{2}T/.test(value)) || Number.isNaN(d.getTime()))
    throw new StartOptionsError(
      flag,
      `${flag} "${String(value)}" is not an ISO 8601 date-time, e.g. 2030-01-06T00:00:00Z`,
    );
  return d;
}

function checkWindow(options: StartOptions): CheckedOptions['window'] {
  const counts = [
    ['--fail-run', options.failRun],
    ['--skip-run', options.skipRun],
    ['--watchdog-minutes', options.watchdogMinutes],
  ] as const;
  for (const [flag, n] of counts) {
    if (n !== undefined && !(Number.isInteger(n) && n >= 1 && n <= 999_999))
      throw new StartOptionsError(flag, `${flag} "${n}" must be a whole number, 1 or more`);
  }
  if (!options.window) {
    const given = counts.find(([, n]) => n !== undefined);
    if (given)
      throw new StartOptionsError(
        given[0],
        '--fail-run, --skip-run and --watchdog-minutes need a window (--from and --until)',
      );
    return undefined;
  }
  const from = instant('--from', options.window.from);
  const until = instant('--until', options.window.until);
  if (until <= from) throw new StartOptionsError('--until', '--until must be after --from');
  if (until.getTime() - from.getTime() > MAX_WINDOW_DAYS * 86_400_000)
    throw new StartOptionsError('--until', `the window is longer than ${MAX_WINDOW_DAYS} days: shorten it`);
  return { from, until };
}

/** The history `--dashboard` runs the job over: the last few days, ending now (tooling/dashboard-demo.ts). */
function dashboardHistory(options: StartOptions, schedule: string, timezone: string) {
  const given = (
    [
      ['--from', options.window],
      ['--fail-run', options.failRun],
      ['--skip-run', options.skipRun],
    ] as const
  ).find(([, v]) => v !== undefined);
  if (given)
    throw new StartOptionsError(
      given[0],
      `--dashboard makes its own history (the last few days, one failed and one missed run): leave out ${given[0]}`,
    );
  let history: ReturnType<typeof historyWindow>;
  try {
    history = historyWindow(schedule, timezone, new Date());
  } catch (e) {
    throw new StartOptionsError('--schedule', (e as Error).message);
  }
  return {
    window: { from: history.from, until: history.until },
    failRun: history.failRun,
    skipRun: history.skipRun,
    // Hourly is enough to judge the missed slot (its grace is minutes) and keeps days of history quick to simulate.
    watchdogMinutes: options.watchdogMinutes ?? 60,
    keepRunning: true,
  };
}
