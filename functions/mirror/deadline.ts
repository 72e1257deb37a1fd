/**
 * The deadline guard: every phase of a request runs against one deadline, well before the function's own
 * timeout, so a call that hangs (an endpoint that accepts a connection and never answers) becomes a FAILED answer
 * naming the phase, with time left to send it, instead of a silent stack.
 */
import { CloudCronError } from '../common/errors';

/** A phase did not finish before the deadline. `phase` is what the Reason names. */
export class PhaseTimeoutError extends CloudCronError {
  override name = 'PhaseTimeoutError';
  constructor(
    readonly phase: string,
    readonly waitedMs: number,
    what: string,
  ) {
    super(
      `${phase} timed out: ${what} did not answer within ${(waitedMs / 1000).toFixed(1)} s (the deadline guard stops waiting well before the function's own timeout); retry the deployment, and check that the function can reach the service`,
    );
  }
}

/** The work budget of one invocation and the time reserved to send the answer after it. */
export type Budget = {
  /** Epoch ms by which every phase must have finished. */
  workUntil: number;
  /** Epoch ms by which the answer must have been sent. */
  answerUntil: number;
};

/** Time kept for answering CloudFormation after the work (see common/cfn-response.ts and index.ts: attempts x timeout + backoff, cut at the budget). */
export const ANSWER_RESERVE_MS = 20000;
/** Left unused at the very end, so the function returns before Lambda stops it. */
export const SAFETY_MS = 1000;

/** The budget for an invocation with `remainingMs` left (context.getRemainingTimeInMillis()). */
export function budgetFor(remainingMs: number, now = Date.now()): Budget {
  const usable = Math.max(0, remainingMs - SAFETY_MS);
  const reserve = Math.min(ANSWER_RESERVE_MS, Math.floor(usable / 2));
  return { workUntil: now + usable - reserve, answerUntil: now + usable };
}

/**
 * Runs `work` with an AbortSignal that fires at the deadline; rejects with PhaseTimeoutError at the deadline even
 * if `work` ignores the signal.
 */
export async function withDeadline<T>(
  phase: string,
  what: string,
  until: number,
  work: (signal: AbortSignal) => Promise<T>,
  now: () => number = Date.now,
): Promise<T> {
  const started = now();
  const left = until - started;
  const controller = new AbortController();
  if (left <= 0) throw new PhaseTimeoutError(phase, 0, what);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new PhaseTimeoutError(phase, now() - started, what));
    }, left);
  });
  try {
    return await Promise.race([work(controller.signal), timeout]);
  } catch (e) {
    // An SDK call aborted by the deadline rejects with its own AbortError: report the phase instead.
    if (controller.signal.aborted && !(e instanceof PhaseTimeoutError)) {
      throw new PhaseTimeoutError(phase, now() - started, what);
    }
    throw e;
  } finally {
    clearTimeout(timer);
  }
}
