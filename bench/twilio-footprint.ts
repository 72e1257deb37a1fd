/**
 * Measures what the `twilio` package costs the SMS function: minified bundle size and the time a fresh Node process
 * takes to require the bundle (a stand-in for the cold-start init phase): the whole package
 * (`import twilio from 'twilio'`), only the Messages modules with the package's axios transport, only the Messages
 * modules over functions/sms/transport.ts (what functions/sms/twilio.ts does), and the whole SMS function.
 *
 *   npx tsx bench/twilio-footprint.ts [runs]
 *
 * The numbers go in docs/sms.md. Builds use the SMS function's own esbuild settings from template-sms.yaml.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BuildOptions, build } from 'esbuild';
import { functionBuilds } from '../tooling/build';
import { ROOT, tempDir } from '../tooling/paths';

type Measure = { name: string; bytes: number; twilioBytes: number; requireMs: number };

const FULL = `import twilio from 'twilio';
export const create = (sid: string, token: string) => twilio(sid, token, { timeout: 5000 }).api.v2010.accounts(sid).messages;`;

const MESSAGES_WITH_AXIOS = `import { Client } from 'twilio/lib/base/BaseTwilio';
import Domain from 'twilio/lib/base/Domain';
import Version from 'twilio/lib/base/Version';
import { MessageListInstance } from 'twilio/lib/rest/api/v2010/account/message';
export const create = (sid: string, token: string) =>
  MessageListInstance(new Version(new Domain(new Client(sid, token, { timeout: 5000 }), 'https://api.twilio.com'), '2010-04-01') as never, sid);`;

const MESSAGES_OWN_TRANSPORT = `import { createTwilioSender } from ${JSON.stringify(join(ROOT, 'functions', 'sms', 'twilio'))};
export const create = (accountSid: string, authToken: string) =>
  createTwilioSender({ accountSid, authToken }, { sender: { from: '+15005550006' }, timeoutMs: 5000 });`;

/** Packages the twilio package brings into a bundle (itself and its dependency tree). */
const TWILIO_TREE =
  /node_modules\/(twilio|axios|qs|side-channel[^/]*|object-inspect|get-intrinsic|call-bind[^/]*|es-[^/]+|gopd|has-[^/]+|hasown|function-bind|math-intrinsics|dunder-proto|get-proto|jsonwebtoken|jws|jwa|ecdsa-sig-formatter|buffer-equal-constant-time|safe-buffer|lodash\.[^/]+|ms|semver|dayjs|https-proxy-agent|agent-base|debug|xmlbuilder|form-data|asynckit|combined-stream|delayed-stream|mime-types|mime-db|follow-redirects|proxy-from-env|scmp)\//;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function requireMs(file: string, env: Record<string, string>, runs: number): number {
  const script = `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const res = spawnSync(process.execPath, ['-e', script], {
      env: { PATH: process.env.PATH, ...env },
      encoding: 'utf8',
    });
    if (res.status !== 0) throw new Error(`require ${file} failed: ${res.stderr}`);
    times.push(Number(res.stdout));
  }
  return median(times);
}

async function measure(
  name: string,
  options: BuildOptions,
  env: Record<string, string>,
  runs: number,
): Promise<Measure> {
  const result = await build({ ...options, metafile: true, write: true, logLevel: 'error' });
  const output = Object.values(result.metafile.outputs)[0];
  const twilioBytes = Object.entries(output.inputs)
    .filter(([path]) => TWILIO_TREE.test(path))
    .reduce((sum, [, v]) => sum + v.bytesInOutput, 0);
  return { name, bytes: output.bytes, twilioBytes, requireMs: requireMs(options.outfile as string, env, runs) };
}

export async function footprint(runs = 15): Promise<Measure[]> {
  const dir = tempDir('cloudcron-footprint-');
  const sms = functionBuilds(ROOT).find((b) => b.name === 'sms');
  if (!sms) throw new Error('template-sms.yaml has no sms function');
  const base = { ...sms.options, nodePaths: [join(ROOT, 'node_modules')] };
  const entry = (file: string, text: string) => {
    const path = join(dir, file);
    writeFileSync(path, text);
    return path;
  };
  const smsEnv = {
    TWILIO_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:twilio-AbCdEf',
    TWILIO_FROM: '+15005550006',
    RECIPIENTS: '+15005550006',
    IDEMPOTENCY_TABLE: 'table',
    AWS_REGION: 'us-east-1',
  };
  return [
    await measure(
      'twilio, whole package',
      { ...base, entryPoints: [entry('full.ts', FULL)], outfile: join(dir, 'full.js') },
      {},
      runs,
    ),
    await measure(
      'twilio, Messages modules + its axios transport',
      { ...base, entryPoints: [entry('axios.ts', MESSAGES_WITH_AXIOS)], outfile: join(dir, 'axios.js') },
      {},
      runs,
    ),
    await measure(
      'twilio, Messages modules + node:https transport',
      { ...base, entryPoints: [entry('own.ts', MESSAGES_OWN_TRANSPORT)], outfile: join(dir, 'own.js') },
      {},
      runs,
    ),
    await measure('SMS function (as deployed)', { ...base, outfile: join(dir, 'sms.js') }, smsEnv, runs),
  ];
}

if (require.main === module) {
  footprint(Number(process.argv[2] ?? 15)).then(
    (rows) => {
      console.log(
        `node ${process.version}, ${process.platform}/${process.arch}, median of ${process.argv[2] ?? 15} fresh processes`,
      );
      console.log('| bundle | minified size | of which twilio and its dependencies | require time |');
      console.log('|---|---:|---:|---:|');
      for (const r of rows) {
        console.log(
          `| ${r.name} | ${(r.bytes / 1024).toFixed(0)} KiB | ${(r.twilioBytes / 1024).toFixed(0)} KiB | ${r.requireMs.toFixed(0)} ms |`,
        );
      }
    },
    (e: Error) => {
      console.error(e.message);
      process.exit(1);
    },
  );
}
