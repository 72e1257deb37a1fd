/**
 * The mirror's copy and its "nothing to do" paths.
 *
 * 1. Copy: a generated two-platform image (linux/amd64 + linux/arm64, one incompressible layer each) sits in a
 *    source registry; one platform's manifest is copied by digest into a fresh destination registry, by the
 *    buildspec's own build phase (tooling/registry-buildspec.ts: the commands read from
 *    template-mirror.yaml) and by skopeo run directly with the same copy arguments, in alternating pairs. Each
 *    copy goes to a registry started for it (not timed), so no copy can reuse blobs of an earlier one.
 * 2. Already present: the buildspec run again against a destination that holds the digest (it only inspects).
 * 3. Unchanged digest through the custom resource: the built mirror function, in a fresh process (a cold start),
 *    answering a Create whose digest the destination repository already holds (moto_server's ECR): it must answer
 *    SUCCESS without starting a build.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CodeBuildClient, ListBuildsCommand } from '@aws-sdk/client-codebuild';
import { CreateRepositoryCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import { LOOPBACK_SWITCH } from '../functions/common/response-url';
import { ROOT } from '../tooling/build';
import { ARM64, pushIndexedImage, sha256 } from '../tooling/ecr-image';
import { invokeBundle } from '../tooling/invoke';
import type { Moto } from '../tooling/moto';
import { tempDir } from '../tooling/paths';
import { type Buildspec, mirrorBuildspec, runBuildPhase } from '../tooling/registry-buildspec';
import { pushTestImage, SKOPEO_BIN, writeTestImage } from '../tooling/registry-image';
import { getManifest, type Registry, startRegistry } from '../tooling/registry-server';
import type { Bundles } from './lib/bundles';
import { ACCOUNT, baseEnv, templateEnv } from './lib/env';
import { pairedDifference, pairedRatio, rotation, type Summary, summarize } from './lib/stats';

/** One image's copies: the buildspec, the proposed leaner buildspec (when it applies) and skopeo alone. */
export type CopySeries = {
  copiedBytes: number;
  buildspec: Summary;
  bare: Summary;
  ratio: number;
  /** Median of the per-round differences buildspec - skopeo: the build phase's fixed cost, in ms. */
  overheadMs: number;
  /** The buildspec with the changes of proposedBuildspec(), when they apply to the current buildspec. */
  proposed?: Summary;
  proposedRatio?: number;
  proposedOverheadMs?: number;
};

export type CopyResult = CopySeries & {
  imageBytes: number;
  /** The same copies of a small image: the fixed cost with little copying noise around it. */
  small: CopySeries;
  alreadyPresent: Summary;
};

const MANIFEST_DIGEST = '"$("$SKOPEO" manifest-digest "$WORK/current.json")"';
const SHA256SUM = `"sha256:$(sha256sum < "$WORK/current.json" | cut -d' ' -f1)"`;
const VERIFY =
  /^ *"\$SKOPEO" inspect --raw [^\n]*"docker:\/\/\$\{DEST_REPOSITORY\}@\$\{IMAGE_DIGEST\}" > "\$WORK\/check\.json"\n.*check\.json.*\n/m;

/**
 * A leaner build phase, measured next to the current one: the digest of the destination's manifest computed with
 * sha256sum instead of a second skopeo process (the same value for every manifest other than the long-deprecated
 * signed schema 1), and no second `inspect` by digest after the copy (skopeo's --digestfile already proves which
 * digest was pushed, and the first inspect already proved it when nothing was copied). Undefined when the
 * buildspec no longer has these commands.
 */
export function proposedBuildspec(spec: Buildspec = mirrorBuildspec()): Buildspec | undefined {
  const script = spec.phases.build?.commands.join('\n') ?? '';
  if (!script.includes(MANIFEST_DIGEST) || !VERIFY.test(script)) return undefined;
  const lean = script.replace(MANIFEST_DIGEST, SHA256SUM).replace(VERIFY, '');
  return { ...spec, phases: { ...spec.phases, build: { commands: [lean] } } };
}

export type UnchangedResult = { cold: Summary; builds: number };

type Cleanup = () => Promise<void> | void;

const REPOSITORY = 'release/app';

/** The skopeo copy the buildspec makes, run directly: same flags, same source and destination. */
function bareCopy(source: string, digest: string, dest: string): number {
  const home = tempDir('cloudcron-bench-skopeo-');
  try {
    const started = performance.now();
    const res = spawnSync(
      SKOPEO_BIN,
      [
        '--insecure-policy',
        'copy',
        '--preserve-digests',
        '--retry-times',
        '3',
        '--src-tls-verify=false',
        '--dest-tls-verify=false',
        `docker://${source}@${digest}`,
        `docker://${dest}`,
      ],
      // The same surroundings the buildspec runner gives its commands: a fresh HOME and TMPDIR, an empty auth file.
      {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: home,
          TMPDIR: home,
          REGISTRY_AUTH_FILE: join(home, 'auth.json'),
        },
        encoding: 'utf8',
        timeout: 600000,
      },
    );
    const ms = performance.now() - started;
    if (res.status !== 0) throw new Error(`skopeo copy failed (${res.status}): ${res.stderr}`);
    return ms;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

function buildspecCopy(
  source: string,
  digest: string,
  destRepository: string,
  spec?: Buildspec,
): { ms: number; stdout: string } {
  const started = performance.now();
  const run = runBuildPhase(
    {
      SOURCE_REPOSITORY: source,
      IMAGE_DIGEST: digest,
      DEST_REPOSITORY: destRepository,
      DEST_TAG: 'v1',
    },
    spec,
  );
  const ms = performance.now() - started;
  if (run.status !== 0)
    throw new Error(`the buildspec's build phase failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
  return { ms, stdout: run.stdout };
}

async function verify(dest: Registry, digest: string): Promise<void> {
  const got = await getManifest(dest, 'mirror/app', 'v1');
  if (got.status !== 200 || sha256(got.body) !== digest) {
    throw new Error(`the destination does not hold ${digest} as mirror/app:v1 (status ${got.status})`);
  }
}

type Registries = { start(): Promise<Registry>; stop(r: Registry): Promise<void> };

async function pushImage(source: Registry, repository: string, payloadBytes: number) {
  const image = writeTestImage({ tag: 'v1', payloadBytes });
  const imageBytes = blobBytes(image.dir);
  try {
    pushTestImage(image, source.host, repository);
  } finally {
    // The registry holds the image now; the layout on disk is not needed any more.
    rmSync(image.dir, { recursive: true, force: true });
  }
  const digest = image.platforms.arm64;
  return { imageBytes, digest, copiedBytes: platformBytes(await getManifest(source, repository, digest)) };
}

/**
 * `rounds` rounds of copies of `digest` from `from`, each into a registry started for it; the order of the sides
 * rotates every round. Returns the series and the registry of the last copy (still running, holding the digest).
 */
async function copyRounds(
  registries: Registries,
  from: string,
  digest: string,
  copiedBytes: number,
  rounds: number,
): Promise<{ series: CopySeries; last: Registry }> {
  const current = mirrorBuildspec();
  const proposed = proposedBuildspec(current);
  const times = { buildspec: [] as number[], proposed: [] as number[], bare: [] as number[] };
  const sides = proposed ? (['buildspec', 'proposed', 'bare'] as const) : (['buildspec', 'bare'] as const);
  let last: Registry | undefined;
  for (let i = 0; i < rounds; i++) {
    for (const side of rotation<'buildspec' | 'proposed' | 'bare'>(sides, i)) {
      const dest = await registries.start();
      if (side === 'buildspec' || side === 'proposed') {
        const run = buildspecCopy(from, digest, `${dest.host}/mirror/app`, side === 'buildspec' ? current : proposed);
        if (!run.stdout.includes('mirror: copying')) throw new Error(`the buildspec did not copy:\n${run.stdout}`);
        times[side].push(run.ms);
      } else {
        times.bare.push(bareCopy(from, digest, `${dest.host}/mirror/app:v1`));
      }
      await verify(dest, digest);
      if (last) await registries.stop(last);
      last = dest;
    }
  }
  if (!last) throw new Error('no copy was made');
  return {
    last,
    series: {
      copiedBytes,
      buildspec: summarize(times.buildspec),
      bare: summarize(times.bare),
      ratio: pairedRatio(times.buildspec, times.bare),
      overheadMs: pairedDifference(times.buildspec, times.bare),
      ...(proposed
        ? {
            proposed: summarize(times.proposed),
            proposedRatio: pairedRatio(times.proposed, times.bare),
            proposedOverheadMs: pairedDifference(times.proposed, times.bare),
          }
        : {}),
    },
  };
}

export async function mirrorCopy(
  options: { payloadBytes: number; smallPayloadBytes: number; rounds: number; alreadyPresentRuns: number },
  cleanups: Cleanup[],
): Promise<CopyResult> {
  // Every registry still running is stopped (and its storage removed) even when the benchmark fails half-way.
  const live = new Set<Registry>();
  cleanups.push(async () => {
    for (const r of live) await r.stop();
  });
  const registries: Registries = {
    async start() {
      const r = await startRegistry();
      live.add(r);
      return r;
    },
    async stop(r) {
      live.delete(r);
      await r.stop();
    },
  };

  const source = await registries.start();
  const large = await pushImage(source, REPOSITORY, options.payloadBytes);
  const small = await pushImage(source, `${REPOSITORY}-small`, options.smallPayloadBytes);
  const from = `${source.host}/${REPOSITORY}`;
  const { series, last } = await copyRounds(registries, from, large.digest, large.copiedBytes, options.rounds);
  // The last destination holds the digest: the buildspec must now only inspect.
  const present: number[] = [];
  for (let i = 0; i < options.alreadyPresentRuns; i++) {
    const run = buildspecCopy(from, large.digest, `${last.host}/mirror/app`);
    if (!run.stdout.includes('nothing to copy')) throw new Error(`the second run copied again:\n${run.stdout}`);
    present.push(run.ms);
  }
  await registries.stop(last);
  const smallRun = await copyRounds(
    registries,
    `${source.host}/${REPOSITORY}-small`,
    small.digest,
    small.copiedBytes,
    options.rounds,
  );
  await registries.stop(smallRun.last);
  await registries.stop(source);
  return { imageBytes: large.imageBytes, ...series, small: smallRun.series, alreadyPresent: summarize(present) };
}

function blobBytes(dir: string): number {
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: { size: number }[] };
  const du = spawnSync('du', ['-sb', join(dir, 'blobs')], { encoding: 'utf8' });
  return Number(du.stdout.split(/\s/)[0]) || index.manifests[0].size;
}

/** Bytes one platform's copy moves: its manifest, config and layers. */
function platformBytes(manifest: { body: Buffer }): number {
  const m = JSON.parse(manifest.body.toString('utf8')) as { config: { size: number }; layers: { size: number }[] };
  return manifest.body.length + m.config.size + m.layers.reduce((s, l) => s + l.size, 0);
}

// ------------------------------------------------------------------ unchanged digest through the custom resource

const SOURCE_URI = `${ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com/release/app`;
const DEST_URI = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/mirror/app`;

async function seedEcr(moto: Moto): Promise<string> {
  const client = { endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  const sourceEcr = new ECRClient({ ...client, region: 'us-west-2' });
  const destEcr = new ECRClient({ ...client, region: 'us-east-1' });
  await pushIndexedImage(sourceEcr, 'release/app', 'v1');
  await destEcr.send(new CreateRepositoryCommand({ repositoryName: 'mirror/app' }));
  await destEcr.send(
    new PutImageCommand({
      repositoryName: 'mirror/app',
      imageManifest: ARM64,
      imageDigest: sha256(ARM64),
      imageTag: 'previous',
    }),
  );
  return sha256(ARM64);
}

type ResponseServer = { url: string; bodies: Record<string, unknown>[]; close(): Promise<void> };

async function responseServer(): Promise<ResponseServer> {
  const bodies: Record<string, unknown>[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/cfn-response?X-Amz-Signature=bench`,
    bodies,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Cold runs of the built mirror function answering a Create whose digest is already in the destination. */
export async function mirrorUnchanged(bundles: Bundles, moto: Moto, runs: number): Promise<UnchangedResult> {
  const digest = await seedEcr(moto);
  const server = await responseServer();
  try {
    // The loopback response server needs the test-only switch (no template sets it).
    const env = baseEnv({ ...moto.env, ...templateEnv(bundles, 'mirror'), [LOOPBACK_SWITCH]: 'true' });
    const event = JSON.parse(readFileSync(join(ROOT, 'events', 'mirror-create.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const request = {
        ...event,
        RequestId: `bench-${i}`,
        ResponseURL: server.url,
        ResourceProperties: {
          ...(event.ResourceProperties as Record<string, string>),
          SourceRepositoryUri: SOURCE_URI,
          SourceImageTag: 'v1',
          Architecture: 'arm64',
          DestinationRepositoryUri: DEST_URI,
        },
      };
      const before = server.bodies.length;
      // From spawning a fresh Node process (Lambda's cold start) to its exit, after the answer reached CloudFormation.
      const started = performance.now();
      const [result] = await invokeBundle<{ status: string }>('mirror', [request], env);
      const ms = performance.now() - started;
      if (!result.ok)
        throw new Error(`the mirror function failed: ${result.error.name}: ${result.error.message}\n${result.logs}`);
      const answer = server.bodies[before] as { Status?: string; Data?: { ImageDigest?: string } } | undefined;
      if (result.result.status !== 'SUCCESS' || answer?.Status !== 'SUCCESS' || answer.Data?.ImageDigest !== digest) {
        throw new Error(
          `expected an immediate SUCCESS for ${digest}, got ${JSON.stringify({ result: result.result, answer })}`,
        );
      }
      times.push(ms);
    }
    const codebuild = new CodeBuildClient({
      endpoint: moto.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    const builds = (await codebuild.send(new ListBuildsCommand({}))).ids?.length ?? 0;
    if (builds !== 0) throw new Error(`the unchanged digest started ${builds} build(s)`);
    return { cold: summarize(times), builds };
  } finally {
    await server.close();
  }
}
