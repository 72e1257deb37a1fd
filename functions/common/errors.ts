/** Base class of Cloud Cron's named errors; always carries what caused it. */
export class CloudCronError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A required setting is missing or malformed. Thrown at init, so the function fails before any work. */
export class ConfigurationError extends CloudCronError {}
