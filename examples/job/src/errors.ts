/**
 * The job's own named errors, in the library's family (JobError, with the cause kept). ConfigurationError comes
 * from the library (a topic variable missing or malformed), re-exported here so the job has one place for errors.
 */
import { JobError } from '@cloud-cron/job';

export { ConfigurationError, JobError } from '@cloud-cron/job';

/** The event (the schedule's payload) is not what the job expects; the message names the field to fix. */
export class InvalidEventError extends JobError {
  override readonly name: string = 'InvalidEventError';
}

/** A result could not be published. The run fails so Lambda retries it, then keeps it in the dead-letter queue. */
export class PublishError extends JobError {
  override readonly name: string = 'PublishError';
}
