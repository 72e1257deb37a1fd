/**
 * `cloud-cron jobs validate <file|dir>...`: checks job files offline (no AWS account, no network) with the one
 * validator every front door uses, so a file that passes here is accepted by the S3 job files, the HTTP API and
 * `jobs apply`, except for a target outside the app's AllowedTargetArns, which only the app knows (give them with
 * --allowed-target-arn to check that too). Exit 0 when every file is valid, 1 when one is not.
 */
import { defineCommand, type Io, runCommand } from './args';
import { JOBS_JSON_VERSION } from './jobs-app';
import { checkJobFiles, JobFilesError, verdictLines } from './jobs-files';

export const command = defineCommand({
  name: 'cloud-cron jobs validate',
  summary:
    'Check job definition files offline with the validator every front door uses (schema, schedule, sizes, targets).',
  positionals: [
    {
      name: '<file|dir>',
      description: 'a job file, or a folder: every *.json file under it',
      variadic: true,
      missing: 'give a job file or a folder of job files',
    },
  ],
  flags: {
    'allowed-target-arn': {
      value: 'PATTERN',
      multiple: true,
      description: "also check targets against the app's AllowedTargetArns (an ARN pattern, * and ? allowed)",
    },
    json: { description: 'machine-readable output (docs/jobs.md, "The CLI")' },
  },
  notes: ['Exit status: 0 every file is valid, 1 a file is not (each problem names the file and the field).'],
  examples: [
    'cloud-cron jobs validate examples/jobs',
    'cloud-cron jobs validate nightly.json --allowed-target-arn "arn:aws:lambda:us-east-1:123456789012:function:reports-*"',
  ],
});

export function run(argv: string[], io?: Io): Promise<number> {
  return runCommand(
    command,
    argv,
    ({ flags, positionals }, { out, err }) => {
      const allowed = flags['allowed-target-arn'];
      let verdicts: ReturnType<typeof checkJobFiles>;
      try {
        verdicts = checkJobFiles(positionals, {
          now: new Date(),
          ...(allowed.length ? { allowedTargetArns: allowed } : {}),
        });
      } catch (e) {
        if (!(e instanceof JobFilesError)) throw e;
        err(`cloud-cron jobs validate: ${e.message}`);
        return 1;
      }
      const bad = verdicts.filter((v) => !v.ok);
      if (flags.json) {
        out(
          JSON.stringify(
            {
              version: JOBS_JSON_VERSION,
              ok: bad.length === 0,
              files: verdicts.map((v) => ({
                file: v.file,
                ok: v.ok,
                ...(v.id !== undefined ? { id: v.id } : {}),
                errors: v.errors,
                warnings: v.warnings,
              })),
            },
            null,
            2,
          ),
        );
        return bad.length ? 1 : 0;
      }
      for (const v of verdicts) {
        const lines = verdictLines(v);
        if (v.ok) out(`ok       ${v.file} (${v.id})`);
        else out(`invalid  ${v.file}`);
        for (const line of lines) out(`  ${line}`);
      }
      out(
        bad.length ? `${bad.length} of ${verdicts.length} job file(s) invalid` : `${verdicts.length} job file(s) valid`,
      );
      return bad.length ? 1 : 0;
    },
    io,
  );
}
