/**
 * `cloud-cron preview webhook`: prints the exact request body the webhook function would POST for a sample SNS
 * message, with the preset and settings of the template, so the message can be checked before deploying.
 *
 *   cloud-cron preview webhook --preset P --message <file> [--body-template T] [--severity-attribute NAME]
 *                              [--default-severity S] [--subject S] [--pretty] [--headers]
 *
 * --preset             slack | teams | pagerduty | discord | generic (the Preset parameter)
 * --message            a Lambda SNS event (events/webhook-*.json), one SNS message, or the message text itself
 * --body-template      generic only: a template file, or the template text itself (BodyTemplate)
 * --severity-attribute the SeverityAttribute parameter (default severity); --default-severity its fallback
 * --pretty             indent the JSON (the function sends it compact, as printed without this option)
 * --headers            print the request headers first (no credential: the URL and keys stay in the secret)
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CloudCronError } from '../functions/common/errors';
import { createRenderer } from '../functions/webhook/presets';
import { PRESETS, type Preset } from '../functions/webhook/presets/types';
import { SEVERITIES, type Severity } from '../functions/webhook/text';
import { isFile, sampleContext } from './sample';

const USAGE = `usage: cloud-cron preview webhook --preset ${PRESETS.join('|')} --message <file> [--body-template T]
       [--severity-attribute NAME] [--default-severity ${SEVERITIES.join('|')}] [--subject S] [--pretty] [--headers]
  T is a template file, or the template text itself when no such file exists.`;

/** The placeholder shown for PagerDuty's routing key, which lives in the secret. */
export const ROUTING_KEY_PLACEHOLDER = 'routingKeyFromTheSecret000000000';

class PreviewInputError extends CloudCronError {
  override name = 'PreviewInputError';
}

export async function run(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        preset: { type: 'string' },
        message: { type: 'string' },
        'body-template': { type: 'string' },
        'severity-attribute': { type: 'string' },
        'default-severity': { type: 'string' },
        subject: { type: 'string' },
        pretty: { type: 'boolean' },
        headers: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    console.error(`cloud-cron preview webhook: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const v = values as Record<string, string | undefined>;
  if (!v.preset || !PRESETS.includes(v.preset as Preset)) {
    console.error(`cloud-cron preview webhook: --preset must be one of ${PRESETS.join(', ')}\n${USAGE}`);
    return 2;
  }
  if (!v.message) {
    console.error(`cloud-cron preview webhook: --message <file> is required\n${USAGE}`);
    return 2;
  }
  const severity = (v['default-severity'] ?? 'error') as Severity;
  if (!SEVERITIES.includes(severity)) {
    console.error(`cloud-cron preview webhook: --default-severity must be one of ${SEVERITIES.join(', ')}`);
    return 2;
  }
  try {
    if (!isFile(v.message)) throw new PreviewInputError(`--message ${v.message} is not a file`);
    const preset = v.preset as Preset;
    const template = v['body-template'];
    if (template !== undefined && preset !== 'generic') {
      throw new PreviewInputError('--body-template is only used by the generic preset');
    }
    const render = createRenderer({
      preset,
      severityAttribute: v['severity-attribute'] ?? 'severity',
      defaultSeverity: severity,
      ...(template !== undefined ? { bodyTemplate: isFile(template) ? readFileSync(template, 'utf8') : template } : {}),
    });
    const context = sampleContext(readFileSync(v.message, 'utf8'), v.subject);
    const request = render(context, { routingKey: ROUTING_KEY_PLACEHOLDER });
    if (values.headers) {
      for (const [name, value] of Object.entries({
        ...request.headers,
        'X-Cloud-Cron-Message-Id': context.messageId,
      })) {
        console.log(`${name}: ${value}`);
      }
      console.log('');
    }
    console.log(values.pretty ? JSON.stringify(JSON.parse(request.body), null, 2) : request.body);
    return 0;
  } catch (e) {
    if (e instanceof CloudCronError) {
      console.error(`cloud-cron preview webhook: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
