/**
 * Warm per-message runner, started by bench/warm.ts in a fresh Node process that has the function's environment.
 * It loads every side (the function's handler, the bare calls), runs each a few times to warm up, then runs
 * `iterations` rounds in which every side handles one message, in an order rotated each round, timing each call
 * with performance.now(). Each message has a new id, so idempotency does its full work every time.
 * Plain JavaScript run by plain `node`: no TypeScript loader in the measured process.
 */
const { performance } = require('node:perf_hooks');

const context = (i) => ({
  functionName: 'cloud-cron-bench',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:cloud-cron-bench',
  memoryLimitInMB: '256',
  awsRequestId: `bench-request-${i}`,
  logGroupName: '/aws/lambda/cloud-cron-bench',
  logStreamName: 'bench',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 30000,
});

/** Throws when the handler's result shows it did not do the full work (a duplicate, nothing sent). */
function check(kind, result) {
  if (kind === 'email') {
    if (!result?.sends || result.sends.length === 0 || result.sends.some((s) => s.duplicate)) {
      throw new Error(`email handler did not send: ${JSON.stringify(result)}`);
    }
  } else if (kind === 'webhook') {
    if (!result || result.delivered < 1 || result.duplicates > 0) {
      throw new Error(`webhook handler did not post: ${JSON.stringify(result)}`);
    }
  } else if (kind === 'sms') {
    if (!result || result.sent < 1 || result.duplicates > 0) {
      throw new Error(`sms handler did not send: ${JSON.stringify(result)}`);
    }
  }
}

function load(side) {
  const mod = require(side.bundle);
  if (side.kind === 'handler') {
    const template = JSON.parse(side.event);
    return async (i) => {
      const event = structuredClone(template);
      event.Records[0].Sns.MessageId = `${side.messageIdPrefix}-${i}`;
      check(side.check, await mod.handler(event, context(i)));
    };
  }
  return mod.bench(side.options);
}

process.once('message', async (plan) => {
  try {
    const runs = plan.sides.map(load);
    for (let w = 0; w < plan.warmup; w++) for (const run of runs) await run(`warmup-${w}`);
    const times = runs.map(() => []);
    const indexes = runs.map((_, k) => k);
    for (let i = 0; i < plan.iterations; i++) {
      const k = i % indexes.length;
      for (const s of [...indexes.slice(k), ...indexes.slice(0, k)]) {
        const started = performance.now();
        await runs[s](i);
        times[s].push(performance.now() - started);
      }
    }
    process.send({ ok: true, times }, () => process.exit(0));
  } catch (e) {
    process.send({ ok: false, error: String(e?.stack || e) }, () => process.exit(1));
  }
});
