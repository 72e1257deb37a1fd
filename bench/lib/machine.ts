/** What the numbers were measured on: they are only comparable, as ratios, within one run on one machine. */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { projectPython } from '../../tooling/python';

export type Machine = {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  os: string;
  loadAtStart: string;
  tools: Record<string, string>;
};

function toolVersion(command: string, args: string[]): string {
  const res = spawnSync(command, args, { encoding: 'utf8' });
  if (res.status !== 0 || res.error) return 'not installed';
  return `${res.stdout}${res.stderr}`.trim().split('\n')[0];
}

export function machine(): Machine {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    os: `${platform()} ${release()} ${process.arch}`,
    loadAtStart: loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
    tools: {
      skopeo: toolVersion('skopeo', ['--version']),
      'docker-registry': toolVersion('/usr/bin/docker-registry', ['--version']),
      moto: toolVersion(projectPython(), ['-c', 'import moto; print("moto " + moto.__version__)']),
    },
  };
}
