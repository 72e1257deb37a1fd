/**
 * Base class of Cloud Cron's named errors; always carries what caused it.
 *
 * Subclasses declare their `name` as a literal (`override readonly name = 'MacroError'`): bundles are minified,
 * which renames classes, and the name is what logs, dead-letter messages and CloudFormation Reasons show.
 */
export class CloudCronError extends Error {
  override name = 'CloudCronError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A required setting is missing or malformed. Thrown at init, so the function fails before any work. */
export class ConfigurationError extends CloudCronError {
  override name = 'ConfigurationError';
}
