/**
 * CloudFormation macro handler: CloudCron. A thin shell over `transform`; every failure is answered with
 * status "failure" and an errorMessage that says what to fix (CloudFormation shows it verbatim).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Template } from '../common/template';
import { MacroError } from './errors';
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

export const handler = async (event: MacroEvent): Promise<MacroResponse> => {
  try {
    const warnings: string[] = [];
    const fragment = transform(event.fragment, event.templateParameterValues ?? {}, { warnings });
    for (const warning of warnings)
      logger.warn('template accepted with a warning', { requestId: event.requestId, warning });
    logger.info('template transformed', { requestId: event.requestId, transformId: event.transformId });
    return { requestId: event.requestId, status: 'success', fragment };
  } catch (e) {
    const known = e instanceof MacroError;
    const errorMessage = known ? e.message : `internal error in the CloudCron macro: ${(e as Error).message}`;
    if (known) logger.warn('template refused', { requestId: event.requestId, errorMessage });
    else logger.error('macro failed', { requestId: event.requestId, error: e as Error });
    return { requestId: event.requestId, status: 'failure', fragment: event.fragment, errorMessage };
  }
};
