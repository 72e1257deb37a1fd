import { CloudCronError } from '../common/errors';

/** The job stack's registration is refused; the message is the Reason CloudFormation shows for RunsRegistration. */
export class RegistrationError extends CloudCronError {
  override name = 'RegistrationError';
}
