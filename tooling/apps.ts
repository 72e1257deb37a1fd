/**
 * The one list of Cloud Cron's apps. Everything that walks the apps (the builder, packaging and release, the README
 * and docs tables, the benchmarks, the template and SAR tests) reads it here: adding an app is one line in APPS.
 */
import { join } from 'node:path';
import { ROOT } from './paths';

export type App = {
  /** Short id: config-env in samconfig.toml, folder names. */
  id: string;
  /** Human name, as in the README's headings. */
  title: string;
  /** Template path, relative to the repository root. */
  template: string;
  /** The app's page (its SAR readme for SAR apps), relative to the root. */
  docs: string;
  /**
   * How it ships: `sar` is published to the Serverless Application Repository under `sarName`; `location` is
   * deployed with `sam deploy` or nested by `Location` (SAR refuses it: it uses the CloudCron macro).
   */
  ships: 'sar' | 'location';
  /** Its name in the SAR (the template's AWS::ServerlessRepo::Application Name, which a test checks). */
  sarName?: string;
  /** The functions the template builds (dist/<name>/index.js), from its BuildProperties (a test checks). */
  functions: readonly string[];
};

// biome-ignore format: one line per app
export const APPS = [
  { id: 'job', title: 'Scheduled job', template: 'template-scheduled-lambda.yaml', docs: 'docs/scheduled-job.md', ships: 'location', functions: [] },
  { id: 'task', title: 'Scheduled task', template: 'template-scheduled-task.yaml', docs: 'docs/scheduled-task.md', ships: 'location', functions: ['task-monitor'] },
  { id: 'macro', title: 'Macro', template: 'macro/template.yaml', docs: 'docs/macro.md', ships: 'sar', sarName: 'cloud-cron-macro', functions: ['macro'] },
  { id: 'email', title: 'Email channel', template: 'template-email.yaml', docs: 'docs/email.md', ships: 'sar', sarName: 'cloud-cron-email', functions: ['email'] },
  { id: 'sms', title: 'SMS channel', template: 'template-sms.yaml', docs: 'docs/sms.md', ships: 'sar', sarName: 'cloud-cron-sms', functions: ['sms'] },
  { id: 'webhook', title: 'Webhook channel', template: 'template-webhook.yaml', docs: 'docs/webhook.md', ships: 'sar', sarName: 'cloud-cron-webhook', functions: ['webhook'] },
  { id: 'mirror', title: 'Image mirror', template: 'template-mirror.yaml', docs: 'docs/mirror.md', ships: 'sar', sarName: 'cloud-cron-image-mirror', functions: ['mirror'] },
  { id: 'runs', title: 'Runs', template: 'template-runs.yaml', docs: 'docs/runs.md', ships: 'sar', sarName: 'cloud-cron-runs', functions: ['runs-bus', 'runs-recorder', 'runs-watchdog', 'runs-registrar'] },
  { id: 'jobs', title: 'Jobs', template: 'template-jobs.yaml', docs: 'docs/jobs.md', ships: 'sar', sarName: 'cloud-cron-jobs', functions: ['jobs-files', 'jobs-api', 'jobs-dispatcher', 'jobs-reconciler', 'jobs-status', 'jobs-setup'] },
] as const satisfies readonly App[];

export type AppId = (typeof APPS)[number]['id'];
/** Every function bundle any app builds. */
export type FunctionName = (typeof APPS)[number]['functions'][number];
export const FUNCTIONS = APPS.flatMap((a): readonly FunctionName[] => a.functions);

/** Templates that are examples of use, not apps (linted and checked like the apps, never published). */
export const EXAMPLE_TEMPLATES = ['examples/parent/template.yaml'] as const;

export const SAR_APPS = APPS.filter((a) => a.ships === 'sar');

export function app(id: AppId): App {
  const found = APPS.find((a) => a.id === id);
  if (!found) throw new Error(`no app ${id}`);
  return found;
}

/** The app whose template is `file` (relative to the root), if any. */
export function appOfTemplate(file: string): App | undefined {
  return APPS.find((a) => a.template === file);
}

export const templatePathOf = (a: App): string => join(ROOT, a.template);
