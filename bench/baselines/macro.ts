/**
 * Baseline for the macro: the Powertools Logger alone, created at module scope as the macro creates it. It is the
 * only third-party package in the macro's bundle (the macro calls no AWS API); an empty bundle would measure only
 * Node's module loader and make any ratio meaningless.
 */
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger({ serviceName: 'cloud-cron-macro' });
