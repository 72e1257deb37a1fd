/**
 * Generates a small two-platform OCI image index (linux/amd64 + linux/arm64) as an OCI layout directory, written
 * blob by blob, and pushes it to a registry with skopeo (`--all --preserve-digests`, so digests stay as written).
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { tempDir } from './paths';

export const SKOPEO_BIN = '/usr/bin/skopeo';

export type Descriptor = {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string };
};

export type TestImage = {
  /** OCI layout directory holding the image. */
  dir: string;
  tag: string;
  indexDigest: string;
  /** Manifest digest per Go architecture (`amd64`, `arm64`). */
  platforms: Record<'amd64' | 'arm64', string>;
};

function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** One ustar entry for a regular file. */
function tarEntry(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${content.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write(`${(1700000000).toString(8).padStart(11, '0')}\0`, 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const pad = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, pad]);
}

function tar(files: Record<string, Buffer>): Buffer {
  return Buffer.concat([...Object.entries(files).map(([n, c]) => tarEntry(n, c)), Buffer.alloc(1024)]);
}

/**
 * Writes the image. `payloadBytes` adds an incompressible file of that size to each platform's layer (benchmarks
 * use it for a large image; tests keep it small).
 */
export function writeTestImage(options: { tag?: string; payloadBytes?: number; dir?: string } = {}): TestImage {
  const tag = options.tag ?? 'v1';
  const dir = options.dir ?? tempDir('cloudcron-image-');
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const put = (data: Buffer | string): { digest: string; size: number } => {
    const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
    const digest = sha256(buf);
    writeFileSync(join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length)), buf);
    return { digest, size: buf.length };
  };
  const platforms = {} as Record<'amd64' | 'arm64', string>;
  const entries: Descriptor[] = [];
  for (const architecture of ['amd64', 'arm64'] as const) {
    const files: Record<string, Buffer> = {
      [`hello-${architecture}.txt`]: Buffer.from(`cloud-cron test image for linux/${architecture}\n`),
    };
    if (options.payloadBytes) files['payload.bin'] = randomBytes(options.payloadBytes);
    const layerTar = tar(files);
    const layer = put(gzipSync(layerTar, { level: 1 }));
    const config = put(
      JSON.stringify({
        architecture,
        os: 'linux',
        config: { Cmd: [`/hello-${architecture}.txt`] },
        rootfs: { type: 'layers', diff_ids: [sha256(layerTar)] },
      }),
    );
    const manifest = put(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
      }),
    );
    platforms[architecture] = manifest.digest;
    entries.push({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      ...manifest,
      platform: { os: 'linux', architecture },
    });
  }
  const index = put(
    JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: entries }),
  );
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.index.v1+json',
          ...index,
          annotations: { 'org.opencontainers.image.ref.name': tag },
        },
      ],
    }),
  );
  return { dir, tag, indexDigest: index.digest, platforms };
}

/** Pushes the whole index (both platforms) to `<host>/<repository>:<tag>` over plain http. */
export function pushTestImage(image: TestImage, host: string, repository: string): void {
  execFileSync(
    SKOPEO_BIN,
    [
      '--insecure-policy',
      'copy',
      '--all',
      '--preserve-digests',
      '--dest-tls-verify=false',
      `oci:${image.dir}:${image.tag}`,
      `docker://${host}/${repository}:${image.tag}`,
    ],
    { stdio: 'pipe' },
  );
}
