/**
 * `npm run release -- --bucket BUCKET [options]`: packages every app, publishes the SAR apps at package.json's
 * version and uploads the templates to nest by Location (tooling/release.ts). `npm run release -- --help` lists the
 * flags. The bucket must let the Serverless Application Repository read it: see the README, "Publish the SAR apps".
 */
import { resolve } from 'node:path';
import { ServerlessApplicationRepositoryClient } from '@aws-sdk/client-serverlessapplicationrepository';
import { defineCommand, exitWith, packageVersion, runCommand } from '../cli/args';
import { s3Client } from '../tooling/package';
import { ROOT } from '../tooling/paths';
import { release } from '../tooling/release';

export const command = defineCommand({
  name: 'npm run release --',
  summary:
    "Packages every app, publishes the SAR apps at package.json's version (a new application, or a new version of\nan existing one) and uploads the templates SAR refuses (they use the macro) to s3://BUCKET/cloud-cron/<version>/,\nthe URLs to nest by Location. Re-releasing a version SAR already has fails: bump the version first.",
  flags: {
    bucket: {
      value: 'BUCKET',
      required: true,
      description: 'S3 bucket in the release region, readable by serverlessrepo.amazonaws.com (see the README)',
    },
    region: { value: 'REGION', description: 'region to publish in (default: AWS_REGION, else us-east-1)' },
    'dry-run': { description: 'package and upload the artifacts, but publish nothing: say what would be published' },
    'no-build': { description: 'use the bundles in dist/ as they are' },
  },
  examples: ['npm run release -- --bucket my-sar-artifacts --region eu-west-1'],
});

if (require.main === module) {
  exitWith(
    runCommand(command, process.argv.slice(2), async ({ flags }, { out }) => {
      const region = flags.region ?? process.env.AWS_REGION ?? 'us-east-1';
      await release({
        bucket: flags.bucket,
        region,
        version: packageVersion(),
        s3: s3Client(region),
        sar: new ServerlessApplicationRepositoryClient({ region }),
        outDir: resolve(ROOT, 'out', 'release'),
        dryRun: flags['dry-run'],
        build: !flags['no-build'],
        log: out,
      });
      return 0;
    }),
    'npm run release',
  );
}
