/**
 * `npm run package -- --bucket BUCKET [options]`: what `sam build` + `sam package` give, for every app
 * (tooling/package.ts). `npm run package -- --help` lists the flags.
 */
import { resolve } from 'node:path';
import { defineCommand, exitWith, packageVersion, runCommand } from '../cli/args';
import { packageAll, s3Client } from '../tooling/package';
import { ROOT } from '../tooling/paths';

export const command = defineCommand({
  name: 'npm run package --',
  summary:
    'Bundles every function, zips it deterministically, uploads the zips, nested templates and SAR license/readme\nfiles to S3 (an object already there is not uploaded again), and writes deployable templates to --out.',
  flags: {
    bucket: { value: 'BUCKET', required: true, description: 'S3 bucket for the artifacts' },
    prefix: { value: 'PREFIX', description: 'key prefix (default: cloud-cron/<version>)' },
    region: { value: 'REGION', description: "the bucket's region (default: AWS_REGION, else us-east-1)" },
    out: { value: 'DIR', description: 'where the packaged templates are written', default: 'out/packaged' },
    template: {
      value: 'FILE',
      multiple: true,
      description: 'another template to package besides the apps, e.g. examples/parent/template.yaml',
    },
    'no-build': { description: 'use the bundles in dist/ as they are (npm run build already ran)' },
  },
  notes: ['Credentials and endpoint: the AWS SDK defaults (AWS_PROFILE, AWS_ENDPOINT_URL for an emulator, ...).'],
  examples: ['npm run package -- --bucket my-artifacts --template examples/parent/template.yaml'],
});

if (require.main === module) {
  exitWith(
    runCommand(command, process.argv.slice(2), async ({ flags }, { out }) => {
      const region = flags.region ?? process.env.AWS_REGION ?? 'us-east-1';
      await packageAll({
        bucket: flags.bucket,
        prefix: flags.prefix ?? `cloud-cron/${packageVersion()}`,
        region,
        outDir: resolve(ROOT, flags.out),
        s3: s3Client(region),
        extraTemplates: flags.template,
        build: !flags['no-build'],
        log: out,
      });
      return 0;
    }),
    'npm run package',
  );
}
