/**
 * The one validator of job definitions (functions/common/jobs/validate.ts), as every front door uses it: each bad
 * definition is refused with a problem naming the field (path, RFC 6901 pointer), a stable code and a message that
 * starts with the path; the published JSON Schema refuses what it can express too; an accepted definition
 * round-trips unchanged.
 */
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { canonicalJson, JOB_SCHEMA, type JobDefinition, resolveJob } from '../../../functions/common/jobs/definition';
import { describeProblems, validateJob, validateJobText } from '../../../functions/common/jobs/validate';
import { ALLOWED, BAD_JOBS, good, LAMBDA, sns, TOPIC, withSchedule, withTarget } from '../../../tooling/jobs-fixtures';

const BAD = BAD_JOBS;

const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const schemaAccepts = ajv.compile(JOB_SCHEMA);

test('there are at least 40 distinct bad definitions, and at least 40 distinct codes and paths among them', () => {
  expect(new Set(BAD.map(([what]) => what)).size).toBe(BAD.length);
  expect(BAD.length).toBeGreaterThanOrEqual(40);
  expect(new Set(BAD.map(([, , path, code]) => `${path} ${code}`)).size).toBeGreaterThanOrEqual(40);
});

test.each(BAD)('refuses %s, naming the field', (_what, definition, path, code, schemaSees) => {
  const v = validateJob(definition, { allowedTargetArns: ALLOWED });
  expect(v.ok).toBe(false);
  if (v.ok) return;
  const problem = v.errors.find((e) => e.code === code);
  expect(problem).toBeDefined();
  expect(problem!.path).toBe(path);
  if (path) expect(problem!.message.startsWith(`${path}: `)).toBe(true);
  // The message says what to do, never only "invalid".
  expect(problem!.message.length).toBeGreaterThan(path.length + 20);
  expect(problem!.pointer.startsWith('/') || path === '').toBe(true);
  // The published schema agrees wherever it can see the problem, and accepts none of what the validator refuses
  // except the rules it cannot express (expressions, zones, sizes, AllowedTargetArns, fields that go together).
  if (schemaSees) expect(schemaAccepts(definition)).toBe(false);
});

test('a JSON syntax error or a repeated key in a file is refused with its line and column', () => {
  const broken = validateJobText('{\n  "version": 1,\n  "id": "x",\n  "schedule": {"expression": "rate(1 hour)"\n}');
  expect(broken.ok).toBe(false);
  if (!broken.ok) expect(broken.errors[0].message).toMatch(/line \d+/);
  const twice = validateJobText('{"version": 1, "id": "a", "id": "b", "schedule": {"expression": "rate(1 hour)"}}');
  expect(twice.ok).toBe(false);
  if (!twice.ok) expect(describeProblems(twice.errors)).toMatch(/id/);
});

test('every problem is reported at once', () => {
  const v = validateJob(
    { version: 2, id: 'a b', schedule: { expression: 'cron(0 2 * * *)' }, target: { type: 'sns', arn: TOPIC } },
    { allowedTargetArns: ALLOWED },
  );
  expect(v.ok).toBe(false);
  if (!v.ok)
    expect(v.errors.map((e) => e.path).sort()).toEqual(['id', 'schedule.expression', 'target.message', 'version']);
});

test('accepted definitions, of every kind, pass the schema too and round-trip unchanged', () => {
  const accepted: Record<string, unknown>[] = [
    good(),
    { ...good(), description: 'Nightly', maxRuns: 3, overlap: 'skip', tags: { team: 'data', 'cost-center': '42' } },
    {
      $schema: '../schemas/job.v1.json',
      ...withSchedule({
        expression: 'rate(15 minutes)',
        startDate: '2030-01-01T00:00:00+02:00',
        endDate: '2030-12-31T00:00:00Z',
        flexibleWindowMinutes: 10,
        state: 'DISABLED',
      }),
    },
    withSchedule({ expression: 'at(2030-01-31T09:00:00)', timezone: 'America/New_York' }),
    sns({ message: { title: 'Digest' }, subject: 'Weekly digest', attributes: { type: 'digest', n: 2, to: ['a', 3] } }),
  ];
  for (const d of accepted) {
    const text = JSON.stringify(d, null, 2);
    const v = validateJobText(text, { allowedTargetArns: ALLOWED });
    if (!v.ok) throw new Error(describeProblems(v.errors));
    expect(v.job).toEqual(d);
    expect(schemaAccepts(d)).toBe(true);
    // Canonical text (as stored) parses back to the same document, whatever the key order was.
    expect(JSON.parse(canonicalJson(v.job))).toEqual(d);
    const reversed = JSON.stringify(Object.fromEntries(Object.entries(d).reverse()));
    expect(canonicalJson(JSON.parse(reversed))).toBe(canonicalJson(d));
  }
});

test('defaults apply where fields are left out; at() jobs are one-time', () => {
  expect(resolveJob(good() as JobDefinition)).toEqual({
    id: 'nightly-report',
    schedule: { expression: 'cron(0 2 * * ? *)', timezone: 'Europe/Paris', flexibleWindowMinutes: 0, state: 'ENABLED' },
    target: { type: 'lambda', arn: LAMBDA, payload: { report: 'sales' } },
    overlap: 'allow',
    tags: {},
    oneTime: false,
  });
  const once = resolveJob(withSchedule({ expression: 'at(2030-01-31T09:00:00)' }) as JobDefinition);
  expect(once.oneTime).toBe(true);
});

test('offline (no AllowedTargetArns) any well-formed target passes; warnings name a schedule with no run left', () => {
  const elsewhere = withTarget({ type: 'lambda', arn: 'arn:aws:lambda:eu-west-1:210987654321:function:other' });
  expect(validateJob(elsewhere).ok).toBe(true);
  const ended = validateJob(withSchedule({ expression: 'rate(1 hour)', endDate: '2020-01-01T00:00:00Z' }), {
    now: new Date('2030-01-01T00:00:00Z'),
  });
  expect(ended).toMatchObject({ ok: true, warnings: [{ path: 'schedule.endDate', code: 'schedule.ended' }] });
  const past = validateJob(withSchedule({ expression: 'at(2020-01-01T00:00:00)' }), {
    now: new Date('2030-01-01T00:00:00Z'),
  });
  expect(past).toMatchObject({ ok: true, warnings: [{ path: 'schedule.expression', code: 'schedule.no-run-left' }] });
});
