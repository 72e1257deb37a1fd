/**
 * The custom resource's properties, validated before any work: a bad value fails the request at once with a
 * Reason that names the property.
 */

import { InvalidPropertyError } from './errors';
import { type EcrRepository, parseRepositoryUri } from './image-ref';

export type Architecture = 'x86_64' | 'arm64';

export type MirrorProperties = {
  source: EcrRepository;
  sourceTag: string;
  architecture: Architecture;
  destination: EcrRepository;
  keepImagesOnDelete: boolean;
};

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export function parseProperties(raw: Record<string, unknown> | undefined): MirrorProperties {
  const props = raw ?? {};
  const source = parseRepositoryUri(props.SourceRepositoryUri, 'SourceRepositoryUri');
  const destination = parseRepositoryUri(props.DestinationRepositoryUri, 'DestinationRepositoryUri');
  const tag = props.SourceImageTag ?? 'latest';
  if (typeof tag !== 'string' || !TAG.test(tag)) {
    throw new InvalidPropertyError(
      `SourceImageTag "${String(tag)}" is not a valid image tag: use 1-128 letters, digits, '_', '.' or '-', not starting with '.' or '-'`,
    );
  }
  const architecture = props.Architecture ?? 'x86_64';
  if (architecture !== 'x86_64' && architecture !== 'arm64') {
    throw new InvalidPropertyError(`Architecture "${String(architecture)}" must be x86_64 or arm64`);
  }
  const keep = String(props.KeepImagesOnDelete ?? 'true');
  if (keep !== 'true' && keep !== 'false') {
    throw new InvalidPropertyError(`KeepImagesOnDelete "${keep}" must be true or false`);
  }
  return { source, sourceTag: tag, architecture, destination, keepImagesOnDelete: keep === 'true' };
}
