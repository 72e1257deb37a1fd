/**
 * Resolves the source tag to the digest of one single-platform manifest, in the source repository's own region,
 * before anything is copied. Lambda refuses multi-architecture indexes, so an index is narrowed to the manifest of
 * the requested architecture.
 */
import { BatchGetImageCommand, type BatchGetImageCommandOutput, type ECRClient } from '@aws-sdk/client-ecr';
import { SourceImageError } from './errors';
import type { EcrRepository } from './image-ref';
import type { Architecture } from './properties';

export const MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

const INDEX_TYPES: string[] = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerList];
const MANIFEST_TYPES: string[] = [MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest];

/** OCI/Go names of the Lambda architectures. */
export const PLATFORM_ARCH: Record<Architecture, string> = { x86_64: 'amd64', arm64: 'arm64' };

export type ResolvedSource = {
  /** Digest of the single-platform manifest to copy. */
  digest: string;
  mediaType: string;
  /** Digest of the index the tag pointed to, when it pointed to one. */
  indexDigest?: string;
  /** `linux/arm64` when chosen from an index. */
  platform?: string;
};

type IndexEntry = {
  mediaType?: string;
  digest?: string;
  platform?: { os?: string; architecture?: string; variant?: string };
};

/** Picks the manifest for `linux/<arch>` from an image index; arm64 prefers variant v8 or none. */
export function pickPlatform(index: { manifests?: IndexEntry[] }, architecture: Architecture): IndexEntry | undefined {
  const arch = PLATFORM_ARCH[architecture];
  const candidates = (index.manifests ?? []).filter(
    (m) => m.platform?.os === 'linux' && m.platform.architecture === arch && typeof m.digest === 'string',
  );
  return candidates.find((m) => !m.platform?.variant || m.platform.variant === 'v8') ?? candidates[0];
}

function describePlatforms(index: { manifests?: IndexEntry[] }): string {
  const names = (index.manifests ?? [])
    .map((m) => m.platform)
    .filter((p) => p?.os && p.os !== 'unknown')
    .map((p) => `${p?.os}/${p?.architecture}${p?.variant ? `/${p.variant}` : ''}`);
  return names.length ? names.join(', ') : 'no runnable platform';
}

function sourceName(src: EcrRepository, tag: string): string {
  return `${src.uri}:${tag}`;
}

function explainEcrError(e: unknown, src: EcrRepository, tag: string): SourceImageError {
  const name = (e as { name?: string }).name ?? 'Error';
  const message = (e as Error).message ?? String(e);
  const ref = sourceName(src, tag);
  if (name === 'RepositoryNotFoundException') {
    return new SourceImageError(
      `source repository ${src.name} does not exist in registry ${src.registryId} (region ${src.region}): check SourceRepositoryUri ${src.uri}`,
      { cause: e },
    );
  }
  if (name === 'AccessDeniedException' || name === 'AccessDenied') {
    return new SourceImageError(
      `access denied reading ${ref}: the repository policy of ${src.uri} must allow this account ecr:BatchGetImage, ecr:DescribeImages, ecr:GetDownloadUrlForLayer and ecr:BatchCheckLayerAvailability (ECR said: ${message})`,
      { cause: e },
    );
  }
  return new SourceImageError(`could not read ${ref} in ${src.region}: ${name}: ${message}`, { cause: e });
}

export async function resolveSource(
  ecr: ECRClient,
  src: EcrRepository,
  tag: string,
  architecture: Architecture,
  signal?: AbortSignal,
): Promise<ResolvedSource> {
  const ref = sourceName(src, tag);
  let out: BatchGetImageCommandOutput;
  try {
    out = await ecr.send(
      new BatchGetImageCommand({
        registryId: src.registryId,
        repositoryName: src.name,
        imageIds: [{ imageTag: tag }],
        acceptedMediaTypes: [...INDEX_TYPES, ...MANIFEST_TYPES],
      }),
      signal ? { abortSignal: signal } : {},
    );
  } catch (e) {
    if (signal?.aborted) throw e;
    throw explainEcrError(e, src, tag);
  }
  const image = out.images?.[0];
  if (!image?.imageManifest || !image.imageId?.imageDigest) {
    const failure = out.failures?.[0];
    const why = failure ? ` (${failure.failureCode}: ${failure.failureReason})` : '';
    throw new SourceImageError(
      `tag "${tag}" was not found in ${src.uri}${why}: check SourceImageTag, or push the tag first`,
    );
  }
  let manifest: { mediaType?: string; manifests?: IndexEntry[] };
  try {
    manifest = JSON.parse(image.imageManifest) as typeof manifest;
  } catch (e) {
    throw new SourceImageError(`${ref} has a manifest that is not JSON`, { cause: e });
  }
  const mediaType = image.imageManifestMediaType ?? manifest.mediaType ?? '';
  if (INDEX_TYPES.includes(mediaType) || (!mediaType && Array.isArray(manifest.manifests))) {
    const entry = pickPlatform(manifest, architecture);
    if (!entry?.digest) {
      const wanted = `linux/${PLATFORM_ARCH[architecture]}`;
      const other = architecture === 'arm64' ? 'x86_64' : 'arm64';
      throw new SourceImageError(
        `${ref} is a multi-architecture index without a ${wanted} image (it has ${describePlatforms(manifest)}): set Architecture to ${other} if that platform is listed, or publish a ${wanted} image under this tag`,
      );
    }
    return {
      digest: entry.digest,
      mediaType: entry.mediaType ?? MEDIA_TYPES.ociManifest,
      indexDigest: image.imageId.imageDigest,
      platform: `linux/${PLATFORM_ARCH[architecture]}`,
    };
  }
  if (!MANIFEST_TYPES.includes(mediaType)) {
    throw new SourceImageError(
      `${ref} has media type "${mediaType || 'unknown'}", which Lambda cannot run: publish an OCI or Docker v2 image manifest under this tag`,
    );
  }
  return { digest: image.imageId.imageDigest, mediaType };
}
