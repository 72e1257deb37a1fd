/**
 * The library's named errors. Each message says what to fix; the SDK's error, when there is one, is kept as the
 * cause. `name` is set explicitly so that minified bundles keep it.
 */
export class JobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JobError';
  }
}

/** A topic variable is missing or malformed, or the library was set up wrong: thrown at init, before any work. */
export class ConfigurationError extends JobError {
  override readonly name: string = 'ConfigurationError';
}

/** A message cannot be published as given (too large, a bad attribute, an empty body): nothing was sent. */
export class InvalidMessageError extends JobError {
  override readonly name: string = 'InvalidMessageError';
}

/** The message and its attributes exceed SNS's 256 KiB: refused before SNS refuses it. */
export class MessageTooLargeError extends InvalidMessageError {
  override readonly name: string = 'MessageTooLargeError';
  constructor(
    message: string,
    /** Bytes the publish would have taken (message body plus attributes). */
    readonly bytes: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** SNS refused or failed the publish; the SDK error is the cause. */
export class PublishError extends JobError {
  override readonly name: string = 'PublishError';
}

/** The event is not what the job expects (e.g. `runOnce` without the job context). */
export class InvalidEventError extends JobError {
  override readonly name: string = 'InvalidEventError';
}

/** Another invocation is running this slot right now; thrown so Lambda retries later instead of running it twice. */
export class RunInProgressError extends JobError {
  override readonly name: string = 'RunInProgressError';
}
