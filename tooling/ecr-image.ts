/**
 * A small two-platform image as ECR holds it (an OCI index over linux/amd64 and linux/arm64 manifests), pushed to
 * moto_server's ECR: the source the mirror function resolves in its integration tests and in the benchmark.
 */
import { createHash } from 'node:crypto';
import { CreateRepositoryCommand, type ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';

export const sha256 = (data: string | Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

export const platformManifest = (arch: string) =>
  JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(`config-${arch}`), size: 100 },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(`layer-${arch}`), size: 200 }],
  });

export const AMD64 = platformManifest('amd64');
export const ARM64 = platformManifest('arm64');
export const INDEX = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  manifests: [
    {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: sha256(AMD64),
      size: AMD64.length,
      platform: { os: 'linux', architecture: 'amd64' },
    },
    {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: sha256(ARM64),
      size: ARM64.length,
      platform: { os: 'linux', architecture: 'arm64' },
    },
  ],
});

/** Creates `repository` and pushes both platform manifests (tagged by digest prefix) and the index as `tag`. */
export async function pushIndexedImage(ecr: ECRClient, repository: string, tag: string): Promise<void> {
  await ecr.send(new CreateRepositoryCommand({ repositoryName: repository }));
  for (const manifest of [AMD64, ARM64]) {
    await ecr.send(
      new PutImageCommand({
        repositoryName: repository,
        imageManifest: manifest,
        imageDigest: sha256(manifest),
        imageTag: sha256(manifest).slice(7, 19),
      }),
    );
  }
  await ecr.send(
    new PutImageCommand({
      repositoryName: repository,
      imageManifest: INDEX,
      imageManifestMediaType: 'application/vnd.oci.image.index.v1+json',
      imageDigest: sha256(INDEX),
      imageTag: tag,
    }),
  );
}
