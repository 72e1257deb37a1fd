/**
 * Runs Stoplight Prism as a mock of Twilio's REST API from Twilio's own OpenAPI description, and reads back what it
 * validated. The description, `twilio_api_v2010.json` from twilio/twilio-oai, comes from the npm package
 * `@twilio-alpha/mcp` (published by Twilio, pinned in package.json), which ships Twilio's specs.
 *
 * Prism checks every request against the spec (path parameters such as the AccountSid pattern, the form body's
 * required fields and formats, the Basic security scheme). In `--errors` mode any violation becomes an error
 * answer (422 / 401 application/problem+json) instead of an `sl-violations` header. Its log says, per request,
 * "Request received", then either "The request passed the validation rules" or "Request did not pass the
 * validation rules" followed by one line per violation: `requests()` parses that.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from './moto';
import { ROOT } from './paths';

/** Twilio's OpenAPI description of its 2010-04-01 REST API (Messages included). */
export const TWILIO_SPEC = require.resolve('@twilio-alpha/mcp/twilio-oai/spec/json/twilio_api_v2010.json');

export type PrismRequest = { method: string; path: string; passed: boolean; violations: string[] };

export type Prism = {
  url: string;
  /** Every request Prism received so far, with its validation verdict. */
  requests(): PrismRequest[];
  log(): string;
  stop(): Promise<void>;
};

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes are what is removed
const ANSI = /\u001b\[[0-9;]*m/g;

export function parsePrismLog(log: string): PrismRequest[] {
  const requests: PrismRequest[] = [];
  let current: PrismRequest | undefined;
  for (const line of log.replace(ANSI, '').split('\n')) {
    const received = /\[HTTP SERVER\] (\w+) (\S+) .*Request received/.exec(line);
    if (received) {
      current = { method: received[1].toUpperCase(), path: received[2], passed: false, violations: [] };
      requests.push(current);
      continue;
    }
    if (!current || !line.includes('[VALIDATOR]')) continue;
    if (/passed the validation rules/.test(line)) current.passed = true;
    else if (/did not pass the validation rules/.test(line)) current.passed = false;
    else {
      const violation = /\[VALIDATOR\]\s+\S+\s+(?:error|warning)\s+(.+)$/.exec(line);
      if (violation) current.violations.push(violation[1].trim());
    }
  }
  return requests;
}

export async function startPrism(options: { errors?: boolean; spec?: string } = {}): Promise<Prism> {
  const spec = options.spec ?? TWILIO_SPEC;
  const port = await freePort();
  const args = ['mock', '-h', '127.0.0.1', '-p', String(port), ...(options.errors ? ['--errors'] : []), spec];
  const child: ChildProcess = spawn(join(ROOT, 'node_modules', '.bin', 'prism'), args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
  });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90000;
  while (!log.includes('Prism is listening on')) {
    if (child.exitCode !== null) throw new Error(`prism exited with code ${child.exitCode}:\n${log.slice(-4000)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`prism did not start within 90 s:\n${log.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    requests: () => parsePrismLog(log),
    log: () => log,
    async stop() {
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      });
    },
  };
}
