/**
 * CloudFormation macro handler: CloudCron. A thin shell over `transform` that always answers with a macro
 * response, whatever it is given: status "failure" and an errorMessage that says what to fix (CloudFormation shows
 * it verbatim), the requestId echoed when the request has one.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Template } from '../common/template';
import { MacroError } from './errors';
import { deeperThan, isObject, own } from './json';
import { type ParameterValues, transform } from './transform';

const logger = new Logger({ serviceName: 'cloud-cron-macro' });

export type MacroEvent = {
  region: string;
  accountId: string;
  fragment: Template;
  transformId: string;
  params: Record<string, unknown>;
  requestId: string;
  templateParameterValues: ParameterValues;
};

export type MacroResponse =
  | { requestId: string; status: 'success'; fragment: Template }
  | { requestId: string; status: 'failure'; fragment: Template; errorMessage: string };

/** The macro's name as the template lists it: the transformId is `<account>::<name>`. */
function macroName(transformId: unknown): string {
  if (typeof transformId !== 'string') return 'CloudCron';
  const name = transformId.slice(transformId.lastIndexOf('::') + 2);
  return /^[A-Za-z0-9_-]{1,128}$/.test(name) ? name : 'CloudCron';
}

function request(event: unknown): { fragment: unknown; values: ParameterValues; name: string } {
  if (!isObject(event)) {
    throw new MacroError(
      `the request is not a CloudFormation macro event (a map with fragment and templateParameterValues), got ${event === null ? 'null' : Array.isArray(event) ? 'a list' : typeof event}`,
    );
  }
  const values = own(event, 'templateParameterValues') ?? {};
  if (!isObject(values)) {
    throw new MacroError("the request's templateParameterValues must be a map of parameter names to values");
  }
  const fragment = own(event, 'fragment');
  if (fragment === undefined) throw new MacroError('the request has no fragment (the template to process)');
  return { fragment, values, name: macroName(own(event, 'transformId')) };
}

export const handler = async (event: MacroEvent): Promise<MacroResponse> => {
  const requestId = own(event, 'requestId') as string;
  const input = own(event, 'fragment');
  // A failure carries the fragment back unchanged (CloudFormation ignores it), unless it is not a map or too deep
  // for the runtime to serialize.
  const unchanged = (isObject(input) && !deeperThan(input) ? input : {}) as Template;
  try {
    const { fragment, values, name } = request(event);
    const warnings: string[] = [];
    const out = transform(fragment as Template, values, { warnings, macroName: name });
    for (const warning of warnings) logger.warn('template accepted with a warning', { requestId, warning });
    logger.info('template transformed', { requestId, transformId: own(event, 'transformId') });
    return { requestId, status: 'success', fragment: out };
  } catch (e) {
    const known = e instanceof MacroError;
    const errorMessage = known
      ? e.message
      : `internal error in the CloudCron macro: ${e instanceof Error ? e.message : String(e)}`;
    if (known) logger.warn('template refused', { requestId, errorMessage });
    else logger.error('macro failed', { requestId, error: e as Error });
    return { requestId, status: 'failure', fragment: unchanged, errorMessage };
  }
};
