/**
 * Macro runner, started by bench/macro.ts in a fresh Node process: loads the built macro, then runs its handler on
 * one event `1 + warm` times. The first run is the cold one (first call after the bundle loaded, nothing compiled
 * yet); the others are warm. Each run gets its own copy of the event (made outside the timing), as each
 * CloudFormation request arrives as new JSON.
 */
const { performance } = require('node:perf_hooks');

process.once('message', async ({ bundle, event, warm }) => {
  try {
    const started = performance.now();
    const macro = require(bundle);
    const requireMs = performance.now() - started;
    const times = [];
    let first;
    for (let i = 0; i <= warm; i++) {
      const copy = structuredClone(event);
      const t = performance.now();
      const out = await macro.handler(copy);
      times.push(performance.now() - t);
      if (i === 0) {
        first = {
          status: out.status,
          errorMessage: out.errorMessage,
          fragmentBytes: Buffer.byteLength(JSON.stringify(out.fragment)),
        };
      }
    }
    process.send({ ok: true, requireMs, times, first }, () => process.exit(0));
  } catch (e) {
    process.send({ ok: false, error: String(e?.stack || e) }, () => process.exit(1));
  }
});
