/**
 * The job's named errors. The example is self-contained (it is meant to be copied out of this repository), so it
 * does not import functions/common; the shape is the same: a clear message, and the cause kept.
 */
export class JobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    // Set explicitly: bundles are minified, which would mangle new.target.name.
    this.name = 'JobError';
  }
}

/** The topics are not configured: thrown at init, so every run fails before any work until it is fixed. */
export class ConfigurationError extends JobError {
  override readonly name: string = 'ConfigurationError';
}

/** The event (the schedule's payload) is not what the job expects; the message names the field to fix. */
export class InvalidEventError extends JobError {
  override readonly name: string = 'InvalidEventError';
}

/** A result could not be published. The run fails so Lambda retries it, then keeps it in the dead-letter queue. */
export class PublishError extends JobError {
  override readonly name: string = 'PublishError';
}
