/**
 * The destination repository in this account and region: is the digest already there, point the tag at it,
 * remove it on Delete.
 */
import {
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  DescribeImagesCommand,
  type ECRClient,
  PutImageCommand,
} from '@aws-sdk/client-ecr';
import { DestinationError } from './errors';
import type { EcrRepository } from './image-ref';

const errorName = (e: unknown) => (e as { name?: string }).name ?? 'Error';
const opts = (signal?: AbortSignal) => (signal ? { abortSignal: signal } : {});

/** The tags of the image with this digest in the destination, or undefined when the digest is not there. */
export async function findDigest(
  ecr: ECRClient,
  dest: EcrRepository,
  digest: string,
  signal?: AbortSignal,
): Promise<string[] | undefined> {
  try {
    const out = await ecr.send(
      new DescribeImagesCommand({
        registryId: dest.registryId,
        repositoryName: dest.name,
        imageIds: [{ imageDigest: digest }],
      }),
      opts(signal),
    );
    const detail = out.imageDetails?.find((d) => d.imageDigest === digest);
    return detail ? (detail.imageTags ?? []) : undefined;
  } catch (e) {
    if (signal?.aborted) throw e;
    if (errorName(e) === 'ImageNotFoundException') return undefined;
    throw new DestinationError(`could not look up ${digest} in ${dest.uri}: ${errorName(e)}: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/** Points `tag` at the digest already present (PutImage with its own manifest bytes, so the digest is unchanged). */
export async function tagDigest(
  ecr: ECRClient,
  dest: EcrRepository,
  digest: string,
  tag: string,
  signal?: AbortSignal,
): Promise<void> {
  try {
    const got = await ecr.send(
      new BatchGetImageCommand({
        registryId: dest.registryId,
        repositoryName: dest.name,
        imageIds: [{ imageDigest: digest }],
        acceptedMediaTypes: [
          'application/vnd.oci.image.manifest.v1+json',
          'application/vnd.docker.distribution.manifest.v2+json',
        ],
      }),
      opts(signal),
    );
    const image = got.images?.[0];
    if (!image?.imageManifest) throw new Error(`manifest ${digest} not returned`);
    await ecr.send(
      new PutImageCommand({
        registryId: dest.registryId,
        repositoryName: dest.name,
        imageManifest: image.imageManifest,
        imageManifestMediaType: image.imageManifestMediaType,
        imageDigest: digest,
        imageTag: tag,
      }),
      opts(signal),
    );
  } catch (e) {
    if (signal?.aborted) throw e;
    if (errorName(e) === 'ImageAlreadyExistsException') return;
    if (errorName(e) === 'ImageTagAlreadyExistsException') {
      throw new DestinationError(
        `tag ${tag} already names another image in ${dest.uri}, whose tags are IMMUTABLE (ImageTagMutability): mirror a new SourceImageTag`,
        { cause: e },
      );
    }
    throw new DestinationError(
      `could not tag ${dest.uri}@${digest} as ${tag}: ${errorName(e)}: ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
}

/** Deletes the image with this digest (all its tags). A repository or image already gone counts as deleted. */
export async function deleteDigest(
  ecr: ECRClient,
  dest: EcrRepository,
  digest: string,
  signal?: AbortSignal,
): Promise<'deleted' | 'absent'> {
  try {
    const out = await ecr.send(
      new BatchDeleteImageCommand({
        registryId: dest.registryId,
        repositoryName: dest.name,
        imageIds: [{ imageDigest: digest }],
      }),
      opts(signal),
    );
    const failure = out.failures?.[0];
    if (!failure) return 'deleted';
    if (failure.failureCode === 'ImageNotFound') return 'absent';
    throw new DestinationError(
      `could not delete ${dest.uri}@${digest}: ${failure.failureCode}: ${failure.failureReason}`,
    );
  } catch (e) {
    if (e instanceof DestinationError || signal?.aborted) throw e;
    if (errorName(e) === 'RepositoryNotFoundException') return 'absent';
    throw new DestinationError(`could not delete ${dest.uri}@${digest}: ${errorName(e)}: ${(e as Error).message}`, {
      cause: e,
    });
  }
}
