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
