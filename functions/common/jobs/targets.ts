/**
 * AllowedTargetArns: the ARN patterns a job's target must match (template-jobs.yaml). The same patterns are the
 * Resource of the dispatcher role's lambda:InvokeFunction and sns:Publish statements, so the app itself can reach
 * nothing else; this module applies them as IAM does (whole-ARN match, `*` any run of characters, `?` one character,
 * case-sensitive) at write time, so a job aimed elsewhere is refused before it is stored, and again at dispatch.
 *
 * Pure: the dashboard bundles this for the browser.
 */

/** One pattern as the template parameter accepts it: a Lambda function or SNS topic ARN in a named account. */
export const ALLOWED_PATTERN =
  /^arn:aws(-cn|-us-gov)?:(lambda:([a-z]{2}(-[a-z]+)+-\d{1,2}|\*):\d{12}:function:[A-Za-z0-9_*?:$-]{1,140}|sns:([a-z]{2}(-[a-z]+)+-\d{1,2}|\*):\d{12}:[A-Za-z0-9_*?-]{1,256})$/;

export type TargetPatterns = { patterns: readonly string[]; matchers: RegExp[] };

/** Problems with the patterns themselves (each names the pattern), empty when they are all usable. */
export function patternProblems(patterns: readonly string[]): string[] {
  if (patterns.length === 0) {
    return [
      'AllowedTargetArns is empty: name the functions and topics jobs may target, e.g. arn:aws:lambda:us-east-1:123456789012:function:reports-*',
    ];
  }
  return patterns
    .filter((p) => !ALLOWED_PATTERN.test(p))
    .map(
      (p) =>
        `AllowedTargetArns entry "${p}" is not a Lambda function or SNS topic ARN pattern in a named account (e.g. arn:aws:lambda:us-east-1:123456789012:function:reports-* or arn:aws:sns:us-east-1:123456789012:alerts)`,
    );
}

function matcher(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

export function compilePatterns(patterns: readonly string[]): TargetPatterns {
  return { patterns: [...patterns], matchers: patterns.map(matcher) };
}

/** Whether `arn` matches one of the patterns (as IAM matches a Resource). */
export function targetAllowed(arn: string, allowed: TargetPatterns | readonly string[]): boolean {
  const compiled = 'matchers' in allowed ? allowed : compilePatterns(allowed as readonly string[]);
  return compiled.matchers.some((m) => m.test(arn));
}

/** The refusal of a target outside the patterns, naming them and what to do. */
export function notAllowedMessage(arn: string, allowed: TargetPatterns | readonly string[]): string {
  const patterns = 'patterns' in allowed ? allowed.patterns : allowed;
  return `${arn} is not allowed by this Jobs app's AllowedTargetArns (${patterns.join(', ')}): target one of those, or have the app's owner add a pattern for it (a stack update)`;
}

/** The region of a Lambda function or SNS topic ARN. */
export function arnRegion(arn: string): string {
  return arn.split(':')[3] ?? '';
}
