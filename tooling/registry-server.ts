/**
 * A real OCI registry for tests: Debian's docker-registry 2.8 (/usr/bin/docker-registry) on a free loopback
 * port, with a generated config and a temporary storage directory. Its access log tells which requests a
 * client made (e.g. whether a copy uploaded any blob).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './moto';
import { tempDir } from './paths';

export const REGISTRY_BIN = '/usr/bin/docker-registry';

export type RegistryRequest = { method: string; path: string; status: number };

export type Registry = {
  /** `127.0.0.1:PORT`: the registry part of an image reference. */
  host: string;
  url: string;
  /** Requests served so far (from the access log). */
  requests(): RegistryRequest[];
  stop(): Promise<void>;
};

const ACCESS = /"(GET|HEAD|PUT|POST|PATCH|DELETE) (\S+) HTTP\/[\d.]+" (\d{3})/;

export async function startRegistry(): Promise<Registry> {
  if (!existsSync(REGISTRY_BIN)) throw new Error(`${REGISTRY_BIN} is missing: apt-get install docker-registry`);
  const dir = tempDir('cloudcron-registry-');
  const port = await freePort();
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      '  accesslog:',
      '    disabled: false',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'storage')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(REGISTRY_BIN, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  const collect = (d: Buffer) => {
    const text = partial + d.toString();
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}):\n${lines.join('\n')}`);
    try {
      if ((await fetch(`${url}/v2/`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`docker-registry did not answer at ${url}:\n${lines.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host: `127.0.0.1:${port}`,
    url,
    requests: () =>
      lines.flatMap((l) => {
        const m = ACCESS.exec(l);
        return m ? [{ method: m[1], path: m[2], status: Number(m[3]) }] : [];
      }),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 3000).unref();
        });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/** Fetches a manifest by tag or digest; returns its bytes, media type and the registry's digest header. */
export async function getManifest(
  registry: Pick<Registry, 'url'>,
  repository: string,
  reference: string,
): Promise<{ status: number; body: Buffer; mediaType: string; digest: string | null }> {
  const res = await fetch(`${registry.url}/v2/${repository}/manifests/${reference}`, {
    headers: { accept: MANIFEST_ACCEPT },
  });
  return {
    status: res.status,
    body: Buffer.from(await res.arrayBuffer()),
    mediaType: res.headers.get('content-type') ?? '',
    digest: res.headers.get('docker-content-digest'),
  };
}
