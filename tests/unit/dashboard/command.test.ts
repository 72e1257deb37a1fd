/** `cloud-cron dashboard`'s address and port rules: loopback only unless told, and it says why. */
import { hostRefusal, parsePort } from '../../../cli/dashboard';

test.each(['127.0.0.1', '127.1.2.3', '::1', 'localhost'])('%s is loopback: allowed', (host) => {
  expect(hostRefusal(host, false)).toBeUndefined();
});

test.each(['0.0.0.0', '::', '192.168.1.10', 'example.com'])(
  '%s is refused unless --allow-remote, saying why',
  (host) => {
    expect(hostRefusal(host, false)).toMatch(
      new RegExp(
        `^refusing to listen on ${host.replace(/\./g, '\\.')}: the dashboard acts with your AWS credentials and has no login.*--allow-remote`,
      ),
    );
    expect(hostRefusal(host, true)).toBeUndefined();
  },
);

test('ports: 0-65535, a clear usage error otherwise', () => {
  expect(parsePort(undefined)).toBe(8327);
  expect(parsePort('0')).toBe(0);
  expect(parsePort('65535')).toBe(65535);
  for (const bad of ['65536', '-1', 'abc', '80.5', ''])
    expect(() => parsePort(bad)).toThrow(/--port .* must be a port number/);
});

import { run } from '../../../cli/dashboard';

function capture() {
  const lines = { out: [] as string[], err: [] as string[] };
  return { lines, io: { out: (t: string) => lines.out.push(t), err: (t: string) => lines.err.push(t) } };
}

test('cloud-cron dashboard --host 0.0.0.0 is a usage error that says why, and listens nowhere', async () => {
  const { lines, io } = capture();
  expect(await run(['--host', '0.0.0.0'], io)).toBe(2);
  expect(lines.err.join('\n')).toMatch(
    /refusing to listen on 0\.0\.0\.0: the dashboard acts with your AWS credentials/,
  );
  expect(lines.out).toEqual([]);
});

test('cloud-cron dashboard --port 0 serves on 127.0.0.1, names the apps it cannot show, and stops', async () => {
  const { lines, io } = capture();
  let answered = 0;
  const code = await run(['--port', '0'], io, {
    sources: {
      runs: { unavailable: 'no stack cloud-cron-runs' },
      registry: { unavailable: 'no stack cloud-cron-jobs' },
    },
    actions: {
      runStackJob: async () => ({ requestId: '' }),
      runRegistryJob: async () => ({ executionId: '' }),
    },
    onListening: () => undefined,
    until: (stop) => {
      const url = /http:\/\/127\.0\.0\.1:\d+\//.exec(lines.out.join('\n'))?.[0];
      void fetch(`${url}api/jobs`)
        .then(async (r) => {
          answered = r.status;
          expect(((await r.json()) as { jobs: unknown[] }).jobs).toEqual([]);
        })
        .finally(stop);
    },
  });
  expect(code).toBe(0);
  expect(answered).toBe(200);
  expect(lines.out[0]).toMatch(/^Cloud Cron dashboard: http:\/\/127\.0\.0\.1:\d+\/ \(Ctrl-C stops it\)$/);
  expect(lines.err).toEqual([
    'cloud-cron dashboard: Runs app not shown: no stack cloud-cron-runs',
    'cloud-cron dashboard: Jobs app not shown: no stack cloud-cron-jobs',
  ]);
});
