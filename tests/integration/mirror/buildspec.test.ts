/**
 * The buildspec's own copy commands, read from template-mirror.yaml, run against two real OCI registries
 * (Debian's docker-registry) with a generated two-platform image and Debian's skopeo, the tool family the install
 * phase builds. Its install phase runs against stand-ins of the CodeBuild images' Go set-ups (this machine cannot
 * reach Go's module proxy). See tooling/registry-buildspec.ts for what is substituted.
 */
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../../tooling/paths';
import { mirrorBuildspec, runBuildPhase, runInstallPhase } from '../../../tooling/registry-buildspec';
import { pushTestImage, type TestImage, writeTestImage } from '../../../tooling/registry-image';
import { getManifest, type Registry, startRegistry } from '../../../tooling/registry-server';

let source: Registry;
let dest: Registry;
let image: TestImage;

beforeAll(async () => {
  [source, dest] = await Promise.all([startRegistry(), startRegistry()]);
  image = writeTestImage({ tag: 'v1' });
  pushTestImage(image, source.host, 'release/app');
});

afterAll(async () => {
  await Promise.all([source?.stop(), dest?.stop()]);
  if (image) rmSync(image.dir, { recursive: true, force: true });
});

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const uploads = (r: Registry) =>
  r.requests().filter((q) => q.method === 'POST' || q.method === 'PATCH' || q.method === 'PUT');
/** The registry writes its access log asynchronously: let it catch up before reading. */
const settle = () => new Promise((r) => setTimeout(r, 300));

describe('install phase: skopeo built by go install, verified by the Go checksum database', () => {
  const spec = mirrorBuildspec();
  const vars = spec.env?.variables ?? {};
  let dir: string;

  /** Stand-ins: `go` records its calls and builds a fake skopeo; `goenv` (EC2 images only) lists Go versions. */
  function standIns(opts: { goenv: boolean; builtVersion?: string; reportedVersion?: string }) {
    const bin = join(dir, opts.goenv ? 'ec2' : 'lambda');
    mkdirSync(bin, { recursive: true });
    const built = opts.builtVersion ?? vars.SKOPEO_VERSION;
    const reported = opts.reportedVersion ?? vars.SKOPEO_VERSION.replace(/^v/, '');
    const go = [
      '#!/bin/bash',
      'case "$1" in',
      '  version)',
      '    if [ "$2" = "-m" ]; then',
      `      printf '%s: go1.24.2\\n\\tpath\\t%s/cmd/skopeo\\n\\tmod\\t%s\\t%s\\th1:2Xk8=\\n' "$3" "$SKOPEO_MODULE" "$SKOPEO_MODULE" "${built}"`,
      '    else echo "go version go${GOENV_VERSION:-1.24.1} linux/amd64"; fi ;;',
      '  install)',
      '    { echo "ARGS=$*"; echo "GOENV_VERSION=${GOENV_VERSION:-}"; env | grep -E "^(GO|CGO_)" | grep -v "^GOENV_VERSION" | sort; } >> "$STANDIN_LOG"',
      `    printf '#!/bin/sh\\necho "skopeo version ${reported}"\\n' > "$GOBIN/skopeo"; chmod +x "$GOBIN/skopeo" ;;`,
      '  *) exit 2 ;;',
      'esac',
    ].join('\n');
    writeFileSync(join(bin, 'go'), go);
    chmodSync(join(bin, 'go'), 0o755);
    if (opts.goenv) {
      // As on amazonlinux standard images: several versions, the global default 1.20 (older than GOTOOLCHAIN).
      writeFileSync(
        join(bin, 'goenv'),
        '#!/bin/sh\n[ "$1 $2" = "versions --bare" ] && printf "1.20.14\\n1.21.13\\n1.26.0\\n1.24.13\\n"\n',
      );
      chmodSync(join(bin, 'goenv'), 0o755);
    }
    return bin;
  }

  beforeAll(() => {
    dir = tempDir('cloudcron-standins-');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('pins skopeo by module and version, with the build tags of upstream cgo-free builds', () => {
    expect(vars.SKOPEO_MODULE).toBe('github.com/containers/skopeo');
    expect(vars.SKOPEO_VERSION).toMatch(/^v1\.(\d+)\.\d+$/);
    // --preserve-digests exists from 1.6 on; Ubuntu 22.04's 1.4 lacks it.
    expect(Number(vars.SKOPEO_VERSION.split('.')[1])).toBeGreaterThanOrEqual(6);
    expect(vars.SKOPEO_BUILD_TAGS.split(' ').sort()).toEqual(['containers_image_openpgp', 'exclude_graphdriver_btrfs']);
    const install = spec.phases.install.commands.join('\n');
    // Nothing downloaded by hand, no checksum copied from elsewhere: go install verifies everything it fetches.
    expect(install).not.toMatch(/curl|wget|sha256sum|apt-get|yum|dnf/);
    expect(vars.SKOPEO.startsWith('/tmp/')).toBe(true);
    expect(vars.REGISTRY_AUTH_FILE.startsWith('/tmp/')).toBe(true);
    expect(spec.phases.pre_build.commands.join('\n')).toMatch(/get-login-password --region "\$SOURCE_REGION"/);
  });

  // A hostile or careless image environment must not switch verification off, nor point at a go env file (where
  // `go env -w GONOSUMDB=*` would win over an empty variable).
  const imageEnv = {
    GOENV: '/etc/hostile/go.env',
    GOSUMDB: 'off',
    GONOSUMDB: '*',
    GOFLAGS: '-insecure',
    GOPROXY: 'direct',
    GOINSECURE: '*',
    GOPRIVATE: '*',
  };

  test.each([
    ['an EC2 image (goenv: the newest installed Go is chosen)', true, '1.26.0'],
    ['a Lambda image (one Go, HOME under /tmp)', false, ''],
  ])('on %s, go install runs with checksum verification forced on', (_n, goenv, chosen) => {
    const run = runInstallPhase(standIns({ goenv }), imageEnv);
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    const calls = Object.fromEntries(
      run.goCalls
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(calls.ARGS).toBe(
      `install -trimpath -tags containers_image_openpgp exclude_graphdriver_btrfs github.com/containers/skopeo/cmd/skopeo@${vars.SKOPEO_VERSION}`,
    );
    expect(calls.GOENV_VERSION).toBe(chosen);
    expect(calls).toMatchObject({
      GOENV: 'off',
      GOSUMDB: 'sum.golang.org',
      GOPROXY: 'https://proxy.golang.org',
      GONOSUMDB: '',
      GOFLAGS: '',
      GOINSECURE: '',
      GOPRIVATE: '',
      GONOPROXY: '',
      GOTOOLCHAIN: 'auto',
      CGO_ENABLED: '0',
    });
    expect(calls.GOPATH.startsWith('/tmp/')).toBe(true);
    expect(calls.GOCACHE.startsWith('/tmp/')).toBe(true);
  });

  test.each([
    ['a binary built from another version', { builtVersion: 'v1.4.1' }],
    ['a binary that reports another version', { reportedVersion: '1.4.1' }],
  ])('refuses %s', (_n, opts) => {
    const run = runInstallPhase(standIns({ goenv: false, ...opts }), {});
    expect(run.status).not.toBe(0);
  });
});

test('the source holds a two-platform index whose platforms differ', async () => {
  const index = await getManifest(source, 'release/app', 'v1');
  expect(index.status).toBe(200);
  expect(sha256(index.body)).toBe(image.indexDigest);
  const manifests = (
    JSON.parse(index.body.toString()) as { manifests: { digest: string; platform: { architecture: string } }[] }
  ).manifests;
  expect(manifests.map((m) => m.platform.architecture).sort()).toEqual(['amd64', 'arm64']);
  expect(image.platforms.amd64).not.toBe(image.platforms.arm64);
});

test('copies the requested platform by digest, and a second run copies nothing', async () => {
  const vars = {
    SOURCE_REPOSITORY: `${source.host}/release/app`,
    IMAGE_DIGEST: image.platforms.arm64,
    DEST_REPOSITORY: `${dest.host}/mirror/app`,
    DEST_TAG: 'v1',
  };
  const first = runBuildPhase(vars);
  expect({ status: first.status, stderr: first.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
  expect(first.stdout).toContain('mirror: copying');
  await settle();
  expect(uploads(dest).some((r) => r.method === 'PUT' && r.path === '/v2/mirror/app/manifests/v1')).toBe(true);

  const byTag = await getManifest(dest, 'mirror/app', 'v1');
  expect(byTag.status).toBe(200);
  expect(byTag.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
  expect(sha256(byTag.body)).toBe(image.platforms.arm64);
  expect(byTag.digest).toBe(image.platforms.arm64);
  const source64 = await getManifest(source, 'release/app', image.platforms.arm64);
  expect(byTag.body.equals(source64.body)).toBe(true);
  // Only the requested platform was copied: the other one is not in the destination.
  expect((await getManifest(dest, 'mirror/app', image.platforms.amd64)).status).toBe(404);

  const before = uploads(dest).length;
  const second = runBuildPhase(vars);
  expect(second.status).toBe(0);
  expect(second.stdout).toContain('nothing to copy');
  await settle();
  expect(uploads(dest).slice(before)).toEqual([]);
});

test('fails, and says why, when the digest does not exist in the source', () => {
  const run = runBuildPhase({
    SOURCE_REPOSITORY: `${source.host}/release/app`,
    IMAGE_DIGEST: `sha256:${'0'.repeat(64)}`,
    DEST_REPOSITORY: `${dest.host}/mirror/other`,
    DEST_TAG: 'v1',
  });
  expect(run.status).not.toBe(0);
  expect(run.stderr).toMatch(/manifest unknown|not found|reading manifest/i);
});
