/**
 * How the Lambda Node.js runtime writes a handler's error to the function's log, for tests that check nothing
 * personal reaches it. The runtime (aws-lambda-nodejs-runtime-interface-client, Errors.js and LogPatch.js) logs
 * a failed invocation as:
 *
 * - text log format (the default): `Invoke Error` followed by a tab and `JSON.stringify(error, replacer)`, where
 *   the replacer turns every Error (the error and its causes) into `{errorType, errorMessage, code, ...every
 *   enumerable own property, stack}`;
 * - JSON log format: `console.error(error)`, which is `util.inspect`, showing the message, the stack, the cause and
 *   every enumerable own property.
 *
 * The npm package (aws-lambda-ric) cannot be a dependency here: its install script builds a native client with
 * cmake. These two functions do what its code does (same replacer, same inspect call).
 */
import { format } from 'node:util';

function withEnumerableProperties(value: unknown): unknown {
  if (value instanceof Error) {
    const out: Record<string, unknown> = Object.assign(
      { errorType: value.name, errorMessage: value.message, code: (value as { code?: unknown }).code },
      value as unknown as Record<string, unknown>,
    );
    if (typeof value.stack === 'string') out.stack = value.stack.split('\n');
    return out;
  }
  return value;
}

/** The runtime's text-format line for a failed invocation. */
export function invokeErrorText(error: unknown): string {
  const e = error instanceof Error ? error : new Error(String(error));
  let formatted: string;
  try {
    formatted = `\t${JSON.stringify(e, (_k, v) => withEnumerableProperties(v))}`;
  } catch {
    formatted = `\t${JSON.stringify({ errorType: e.name, errorMessage: e.message })}`;
  }
  return `Invoke Error ${formatted}`;
}

/** The runtime's JSON-format logging of a failed invocation (console.error(error)). */
export function invokeErrorJson(error: unknown): string {
  return format(error instanceof Error ? error : new Error(String(error)));
}

/** What Lambda puts in the dead-letter queue's ErrorMessage attribute and the invocation's error response. */
export function rapidResponse(error: unknown): { errorType: string; errorMessage: string } {
  const e = error instanceof Error ? error : new Error(String(error));
  return { errorType: e.name, errorMessage: e.message };
}
