/**
 * `cloud-cron preview webhook`: prints the exact request body the webhook function would POST for a sample SNS
 * message, with the preset and settings of the template, so the message can be checked before deploying.
 * The flags are declared once, in `command` (also the --help text).
 */
import { readFileSync } from 'node:fs';
import { CloudCronError } from '../functions/common/errors';
import { createRenderer } from '../functions/webhook/presets';
import { PRESETS, type Preset } from '../functions/webhook/presets/types';
import { SEVERITIES, type Severity } from '../functions/webhook/text';
import { defineCommand, type Io, type Parsed, runCommand } from './args';
import { isFile, PreviewInputError, sampleContext, templateArgument } from './sample';

export const command = defineCommand({
  name: 'cloud-cron preview webhook',
  summary:
    'Prints the exact request body the webhook function would POST for a sample SNS message, with the preset and\nsettings of the template, so the message can be checked before deploying.',
  flags: {
    preset: { value: PRESETS.join('|'), choices: PRESETS, required: true, description: 'the Preset parameter' },
    message: {
      value: 'FILE',
      required: true,
      description: 'a Lambda SNS event (events/webhook-*.json), one SNS message, or any file (the message text)',
    },
    'body-template': {
      value: 'T',
      description: 'generic preset only: BodyTemplate, a file or the template text itself',
    },
    'severity-attribute': { value: 'NAME', description: 'the SeverityAttribute parameter', default: 'severity' },
    'default-severity': {
      value: SEVERITIES.join('|'),
      choices: SEVERITIES,
      description: 'its fallback (DefaultSeverity)',
      default: 'error',
    },
    subject: { value: 'S', description: 'the SNS subject (overrides the one in the message file)' },
    pretty: { description: 'indent the JSON (the function sends it compact, as printed without this flag)' },
    headers: { description: 'print the request headers first (no credential: the URL and keys stay in the secret)' },
  },
  notes: [
    'T is read as a file when it names one; a value ending in .hbs, or holding a "/" and no "{{", must name a file.',
  ],
  examples: ['cloud-cron preview webhook --preset slack --message events/webhook-json.json --pretty'],
});

/** The placeholder shown for PagerDuty's routing key, which lives in the secret. */
export const ROUTING_KEY_PLACEHOLDER = 'routingKeyFromTheSecret000000000';

export function run(argv: string[], io?: Io): Promise<number> {
  return runCommand(command, argv, ({ flags }, out) => preview(flags, out), io);
}

type Flags = Parsed<typeof command.flags>['flags'];

function preview(v: Flags, { out, err }: Io): number {
  const severity: Severity = v['default-severity'];
  try {
    if (!isFile(v.message)) throw new PreviewInputError(`--message ${v.message} is not a file`);
    const preset: Preset = v.preset;
    const template = v['body-template'];
    if (template !== undefined && preset !== 'generic') {
      throw new PreviewInputError('--body-template is only used by the generic preset');
    }
    const render = createRenderer({
      preset,
      severityAttribute: v['severity-attribute'],
      defaultSeverity: severity,
      ...(template !== undefined ? { bodyTemplate: templateArgument(template, '--body-template').source } : {}),
    });
    const context = sampleContext(readFileSync(v.message, 'utf8'), v.subject);
    const request = render(context, { routingKey: ROUTING_KEY_PLACEHOLDER });
    if (v.headers) {
      for (const [name, value] of Object.entries({
        ...request.headers,
        'X-Cloud-Cron-Message-Id': context.messageId,
      })) {
        out(`${name}: ${value}`);
      }
      out('');
    }
    out(v.pretty ? JSON.stringify(JSON.parse(request.body), null, 2) : request.body);
    return 0;
  } catch (e) {
    if (e instanceof CloudCronError) {
      err(`cloud-cron preview webhook: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
