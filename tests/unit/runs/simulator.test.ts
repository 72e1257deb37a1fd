/** The simulator fires schedules, runs targets as Lambda's asynchronous invocations do, and ticks the watchdog. */
import type { DestinationEvent } from '../../../functions/common/runs/records';
import { type SimulatedJob, Simulator, simulate } from '../../../tooling/simulator/simulator';

const FROM = new Date('2030-01-01T00:00:00Z');
const MIN = 60_000;
const job = (over: Partial<SimulatedJob> = {}): SimulatedJob => ({
  name: 'job',
  schedule: {
    expression: 'rate(10 minutes)',
    timezone: 'UTC',
    state: 'ENABLED',
    flexibleWindowMinutes: 0,
    rateAnchor: FROM.toISOString(),
  },
  timeoutSeconds: 60,
  maximumRetryAttempts: 2,
  handler: () => ({ ok: true }),
  ...over,
});

test('a failing target is retried after 1 and 2 minutes, then one failure record carries the invoke count', async () => {
  const attempts: number[] = [];
  const records: DestinationEvent[] = [];
  const sim = new Simulator({
    from: FROM,
    until: new Date(FROM.getTime() + 10 * MIN),
    jobs: [
      job({
        handler: (_e, ctx) => {
          attempts.push(sim.clock.ms() - FROM.getTime());
          if (ctx.attempt < 3) throw new TypeError(`attempt ${ctx.attempt} failed`);
          return 'third time lucky';
        },
        durationMs: () => 5000,
      }),
    ],
    deliver: (r) => void records.push(r),
  });
  const result = await sim.run();
  expect(attempts).toEqual([0, 5000 + MIN, 2 * 5000 + 3 * MIN]);
  expect(result.invocations).toEqual([
    expect.objectContaining({ attempts: 3, outcome: 'succeeded', trigger: 'schedule', fireIndex: 1 }),
  ]);
  expect(records[0]['detail-type']).toBe('Lambda Function Invocation Result - Success');
  expect(records[0].detail.requestContext).toMatchObject({ condition: 'Success', approximateInvokeCount: 3 });
  expect(records[0].detail.timestamp).toBe(new Date(FROM.getTime() + 3 * 5000 + 3 * MIN).toISOString());
});

test('retries exhausted and timeouts produce the records Lambda documents', async () => {
  const result = await simulate({
    from: FROM,
    until: new Date(FROM.getTime() + 20 * MIN),
    jobs: [
      job({ name: 'broken', maximumRetryAttempts: 1, handler: () => Promise.reject(new RangeError('bad input')) }),
      job({ name: 'slow', maximumRetryAttempts: 0, durationMs: () => 61_000 }),
    ],
    deliver: () => undefined,
  });
  const byJob = (name: string) =>
    result.records.find((r) => r.detail.requestContext.functionArn.endsWith(`:${name}:$LATEST`))!;
  expect(byJob('broken').detail).toMatchObject({
    requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 2 },
    responseContext: { functionError: 'Unhandled' },
    responsePayload: { errorType: 'RangeError', errorMessage: 'bad input' },
  });
  expect(byJob('slow').detail.responsePayload).toMatchObject({
    errorType: 'Sandbox.Timedout',
    errorMessage: expect.stringMatching(/Task timed out after 60.00 seconds/),
  });
  expect(byJob('slow').detail.timestamp).toBe(new Date(FROM.getTime() + 60_000).toISOString());
});

test('skipped fires never run; the job context names each slot; the flexible window delays within it', async () => {
  const events: unknown[] = [];
  const result = await simulate({
    from: FROM,
    until: new Date(FROM.getTime() + 60 * MIN),
    jobs: [
      job({
        scheduleContext: true,
        payload: '{"report":"daily"}',
        schedule: {
          expression: 'rate(10 minutes)',
          timezone: 'UTC',
          state: 'ENABLED',
          flexibleWindowMinutes: 5,
          rateAnchor: FROM.toISOString(),
        },
        handler: (e) => {
          events.push(e);
        },
      }),
    ],
    skip: (f) => f.index === 2,
    deliver: () => undefined,
  });
  expect(result.fires.map((f) => [f.index, f.skipped])).toEqual([
    [1, false],
    [2, true],
    [3, false],
    [4, false],
    [5, false],
    [6, false],
  ]);
  expect(events).toHaveLength(5);
  expect(events[1]).toEqual({
    payload: { report: 'daily' },
    cloudCron: expect.objectContaining({ scheduledTime: '2030-01-01T00:20:00Z', attempt: '1', trigger: 'schedule' }),
  });
  for (const inv of result.invocations) {
    const lateBy = Date.parse(inv.endedAt) - 1000 - Date.parse(inv.slot!);
    expect(lateBy).toBeGreaterThanOrEqual(0);
    expect(lateBy).toBeLessThan(5 * MIN);
  }
});

test('the watchdog ticks on its rate, on the simulated clock; a manual invocation runs like a scheduled one', async () => {
  const ticks: string[] = [];
  const records: DestinationEvent[] = [];
  const sim = new Simulator({
    from: FROM,
    until: new Date(FROM.getTime() + 16 * MIN),
    jobs: [job()],
    deliver: (r) => void records.push(r),
    watchdog: { rateMinutes: 5, run: (e) => void ticks.push(`${e.time} ${sim.clock.now().toISOString()}`) },
  });
  await sim.runUntil(FROM.getTime() + 7 * MIN);
  const id = sim.invokeAsync('job', '{"by":"hand"}');
  await sim.run();
  expect(ticks).toEqual([
    '2030-01-01T00:05:00Z 2030-01-01T00:05:00.000Z',
    '2030-01-01T00:10:00Z 2030-01-01T00:10:00.000Z',
    '2030-01-01T00:15:00Z 2030-01-01T00:15:00.000Z',
  ]);
  const manual = records.find((r) => r.detail.requestContext.requestId === id)!;
  expect(manual.detail.requestPayload).toEqual({ by: 'hand' });
  expect(manual.detail.timestamp).toBe(new Date(FROM.getTime() + 7 * MIN + 1000).toISOString());
  expect(records).toHaveLength(3);
});
