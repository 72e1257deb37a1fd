process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
import { startMoto } from './tooling/moto';
import { jobsBench } from './bench/jobs';
(async () => {
  const moto = await startMoto();
  try {
    const r = await jobsBench(moto, { applySizes: [100], reconcilerRounds: 4, reconcilerBatch: 25, dispatcherIterations: 60, warmup: 10 }, (m) => console.error(new Date().toISOString().slice(11,19), m));
    console.log(JSON.stringify(r, null, 1));
  } finally { await moto.stop(); }
})();
