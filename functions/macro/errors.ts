import { CloudCronError } from '../common/errors';

/** The macro refuses the template. The message is shown by CloudFormation as "Transform ... failed with: <message>". */
export class MacroError extends CloudCronError {
  override name = 'MacroError';
}
