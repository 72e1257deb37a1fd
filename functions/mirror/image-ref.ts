/**
 * ECR repository URIs: `<account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]/<name>`. The account is the
 * registry id and the region is where every API call about the repository must go.
 */
import { InvalidPropertyError } from './errors';

export type EcrRepository = {
  /** `123456789012.dkr.ecr.us-west-2.amazonaws.com/my/app` */
  uri: string;
  /** `123456789012.dkr.ecr.us-west-2.amazonaws.com` (what `docker login` names) */
  host: string;
  registryId: string;
  region: string;
  name: string;
};

const NAME = '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*';
const URI = new RegExp(`^((\\d{12})\\.dkr\\.ecr(?:-fips)?\\.([a-z0-9-]+)\\.amazonaws\\.com(?:\\.cn)?)/(${NAME})$`);

/** Parses an ECR repository URI (no tag, no digest). `property` names the setting in the error. */
export function parseRepositoryUri(uri: unknown, property: string): EcrRepository {
  const text = typeof uri === 'string' ? uri.trim() : '';
  const m = URI.exec(text);
  if (!m || text.length > 400) {
    throw new InvalidPropertyError(
      `${property} "${String(uri)}" is not an ECR repository URI: expected <account>.dkr.ecr.<region>.amazonaws.com/<name>, without tag or digest`,
    );
  }
  return { uri: text, host: m[1], registryId: m[2], region: m[3], name: m[4] };
}

/** `repo@sha256:...`: the reference that pins exactly one manifest. */
export function digestUri(repo: EcrRepository, digest: string): string {
  return `${repo.uri}@${digest}`;
}

export function taggedUri(repo: EcrRepository, tag: string): string {
  return `${repo.uri}:${tag}`;
}

const DIGEST_REF = /^(.+)@(sha256:[a-f0-9]{64})$/;

/** Reads a digest-pinned URI back (the PhysicalResourceId of a mirrored image); undefined for anything else. */
export function parseDigestUri(ref: string | undefined): { repository: EcrRepository; digest: string } | undefined {
  const m = ref ? DIGEST_REF.exec(ref) : null;
  if (!m) return undefined;
  try {
    return { repository: parseRepositoryUri(m[1], 'PhysicalResourceId'), digest: m[2] };
  } catch {
    return undefined;
  }
}
