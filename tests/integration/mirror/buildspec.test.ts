/**
 * The buildspec's own copy commands, read from template-mirror.yaml, run against two real OCI registries
 * (Debian's docker-registry) with a generated two-platform image. See tests/support/registry-buildspec.ts for
 * what is substituted (the skopeo path, TLS for loopback http, no ECR login).
 */
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mirrorBuildspec, runBuildPhase } from '../../../tooling/registry-buildspec';
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

test('the buildspec installs a pinned skopeo and checks its sha256 before use', () => {
  const spec = mirrorBuildspec();
  const vars = spec.env?.variables ?? {};
  expect(vars.SKOPEO_SHA256).toMatch(/^[a-f0-9]{64}$/);
  expect(vars.SKOPEO_URL).toContain(`/v${vars.SKOPEO_VERSION}/`);
  const install = spec.phases.install.commands.join('\n');
  expect(install).toContain('sha256sum --check');
  expect(install.indexOf('sha256sum')).toBeLessThan(install.indexOf('install -m'));
  expect(spec.phases.pre_build.commands.join('\n')).toMatch(/get-login-password --region "\$SOURCE_REGION"/);
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
