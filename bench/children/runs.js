/**
 * Runs-app runner, started by bench/runs.ts in a fresh Node process with the function's environment. It loads the
 * sides (a built handler, the bare calls), warms them up, then runs `iterations` rounds with the order rotated each
 * round, timing each call with performance.now().
 *
 * - recorder: the built recorder with a destination record whose request id is new each call (a full record each
 *   time, never a duplicate); the result must say "recorded".
 * - watchdog: the built watchdog with a scheduled event at a fixed time; before each call (untimed) the watermark is
 *   set back by `rewindMs`, so every call judges the same window.
 * - module: a bare-call baseline bundle exporting bench(options) -> (i) => Promise.
 * Plain JavaScript run by plain `node`: no TypeScript loader in the measured process.
 */
const { performance } = require('node:perf_hooks');

function load(side) {
  const mod = require(side.bundle);
  if (side.kind === 'recorder') {
    return {
      run: async (i) => {
        const event = structuredClone(side.record);
        const id = `${side.prefix}-${i}`;
        event.detail.requestContext.requestId = id;
        const r = await mod.handler(event, {});
        if (r.outcome !== 'recorded') throw new Error(`recorder did not record: ${JSON.stringify(r)}`);
      },
    };
  }
  if (side.kind === 'watchdog') {
    const { DynamoDBClient, PutItemCommand } = require(side.sdk);
    const ddb = new DynamoDBClient({});
    return {
      before: () =>
        ddb.send(
          new PutItemCommand({
            TableName: side.table,
            Item: {
              pk: { S: 'WATCHDOG' },
              sk: { S: 'STATE' },
              checkedUntil: { S: side.from },
              updatedAt: { S: side.from },
            },
          }),
        ),
      run: async () => {
        const r = await mod.handler(side.event, {});
        if (r.jobs !== side.jobs || r.missed.length !== 0)
          throw new Error(`watchdog tick: ${JSON.stringify(r).slice(0, 300)}`);
      },
    };
  }
  return { run: mod.bench(side.options) };
}

process.once('message', async (plan) => {
  try {
    const sides = plan.sides.map(load);
    for (let w = 0; w < plan.warmup; w++) {
      for (const s of sides) {
        if (s.before) await s.before();
        await s.run(`warmup-${w}`);
      }
    }
    const times = sides.map(() => []);
    for (let i = 0; i < plan.iterations; i++) {
      const k = i % sides.length;
      for (const n of [...sides.keys()].slice(k).concat([...sides.keys()].slice(0, k))) {
        if (sides[n].before) await sides[n].before();
        const started = performance.now();
        await sides[n].run(i);
        times[n].push(performance.now() - started);
      }
    }
    process.send({ ok: true, times }, () => process.exit(0));
  } catch (e) {
    process.send({ ok: false, error: String(e?.stack || e) }, () => process.exit(1));
  }
});
