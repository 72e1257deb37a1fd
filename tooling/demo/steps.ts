/**
 * Composable steps: a run is a list of steps over one context, each filling in what the next ones need. Modes of
 * `npm start` (a simulated time window, a jobs folder, an ECS task, a dashboard) are other step lists built from the
 * same steps, not rewrites.
 */

/** What a finished (or failed) step reports. */
export type StepRecord = {
  id: string;
  title: string;
  ok: boolean;
  seconds: number;
  /** Lines describing what it did (shown under the step). */
  detail: string[];
  error?: string;
};

export type Step<C> = {
  id: string;
  title: string | ((ctx: C) => string);
  /** Does the work; returns the lines describing what it did. */
  run(ctx: C): Promise<string[] | undefined>;
};

/** Progress callbacks (the CLI prints them; the tests collect the records). */
export type Reporter = {
  started?(index: number, total: number, title: string): void;
  finished?(index: number, total: number, record: StepRecord): void;
};

/** A step failed: its record, and every record so far. */
export class StepError extends Error {
  override name = 'StepError';
  constructor(
    readonly step: StepRecord,
    readonly steps: StepRecord[],
    options?: { cause?: unknown },
  ) {
    super(`step "${step.title}" failed: ${step.error}`, options);
  }
}

export async function runSteps<C>(steps: readonly Step<C>[], ctx: C, reporter: Reporter = {}): Promise<StepRecord[]> {
  const records: StepRecord[] = [];
  for (const [i, step] of steps.entries()) {
    const title = typeof step.title === 'string' ? step.title : step.title(ctx);
    reporter.started?.(i + 1, steps.length, title);
    const began = performance.now();
    const seconds = () => Math.round((performance.now() - began) / 100) / 10;
    try {
      const detail = (await step.run(ctx)) ?? [];
      const record: StepRecord = { id: step.id, title, ok: true, seconds: seconds(), detail };
      records.push(record);
      reporter.finished?.(i + 1, steps.length, record);
    } catch (e) {
      const record: StepRecord = {
        id: step.id,
        title,
        ok: false,
        seconds: seconds(),
        detail: [],
        error: (e as Error).message,
      };
      records.push(record);
      reporter.finished?.(i + 1, steps.length, record);
      throw new StepError(record, records, { cause: e });
    }
  }
  return records;
}
