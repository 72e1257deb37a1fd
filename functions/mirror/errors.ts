/**
 * Named errors of the image mirror. Each message is written for the person deploying the stack: it names the
 * image or setting involved and says what to fix, because it becomes the CloudFormation Reason they read.
 */
import { CloudCronError } from '../common/errors';

// Each class names itself: bundles are minified, so a class's own name would be mangled in the Reason.

/** A resource property is missing or malformed (the template or a hand-written request passed a bad value). */
export class InvalidPropertyError extends CloudCronError {
  override name = 'InvalidPropertyError';
}

/** The source repository, tag or platform cannot be read or does not exist. */
export class SourceImageError extends CloudCronError {
  override name = 'SourceImageError';
}

/** The destination repository refused a read, tag or delete. */
export class DestinationError extends CloudCronError {
  override name = 'DestinationError';
}

/** CodeBuild refused to start the copy. */
export class StartBuildError extends CloudCronError {
  override name = 'StartBuildError';
}

/** A build-state event arrived without the CloudFormation request it must answer. */
export class PendingRequestError extends CloudCronError {
  override name = 'PendingRequestError';
}

/** CloudFormation's response URL did not accept the answer (defined with the shared response sender). */
export { ResponseDeliveryError } from '../common/cfn-response';

/** The function was invoked with an event it does not handle. */
export class UnsupportedEventError extends CloudCronError {
  override name = 'UnsupportedEventError';
}

/** A custom resource request is malformed (no ResourceProperties, unknown RequestType, missing ids). */
export class MalformedRequestError extends CloudCronError {
  override name = 'MalformedRequestError';
}

/** The request names a destination that is not this mirror's own repository. */
export class ForeignRepositoryError extends CloudCronError {
  override name = 'ForeignRepositoryError';
}
