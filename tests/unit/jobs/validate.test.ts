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

const ALLOWED = ['arn:aws:lambda:us-east-1:123456789012:function:reports-*', 'arn:aws:sns:*:123456789012:alerts'];
const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:reports-nightly';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:alerts';

const good = (): Record<string, unknown> => ({
  version: 1,
  id: 'nightly-report',
  schedule: { expression: 'cron(0 2 * * ? *)', timezone: 'Europe/Paris' },
  target: { type: 'lambda', arn: LAMBDA, payload: { report: 'sales' } },
});
const sns = (target: Record<string, unknown> = {}) => ({
  ...good(),
  target: { type: 'sns', arn: TOPIC, message: 'hello', ...target },
});
const withSchedule = (schedule: Record<string, unknown>) => ({ ...good(), schedule });
const withTarget = (target: unknown) => ({ ...good(), target });

const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const schemaAccepts = ajv.compile(JOB_SCHEMA);

/** [what is wrong, the definition, the field path, the code, whether the schema alone can see it] */
const BAD: [string, unknown, string, string, boolean][] = [
  ['not an object', [], '', 'document.type', true],
  ['a string', 'cron(0 2 * * ? *)', '', 'document.type', true],
  ['no version', { ...good(), version: undefined }, 'version', 'version.missing', true],
  ['version 2', { ...good(), version: 2 }, 'version', 'version.invalid', true],
  ['version as a string', { ...good(), version: '1' }, 'version', 'version.invalid', true],
  ['no id', { ...good(), id: undefined }, 'id', 'id.missing', true],
  ['a numeric id', { ...good(), id: 42 }, 'id', 'id.type', true],
  ['an id with a space', { ...good(), id: 'nightly report' }, 'id', 'id.invalid', true],
  ['an empty id', { ...good(), id: '' }, 'id', 'id.invalid', true],
  ['a 65-character id', { ...good(), id: 'x'.repeat(65) }, 'id', 'id.invalid', true],
  ['a long description', { ...good(), description: 'd'.repeat(513) }, 'description', 'description.length', true],
  ['a numeric description', { ...good(), description: 7 }, 'description', 'description.type', true],
  ['an unknown top-level field', { ...good(), schedul: {} }, 'schedul', 'unknown-property', true],
  ['expression at the top level', { ...good(), expression: 'rate(1 hour)' }, 'expression', 'unknown-property', true],
  ['paused in the definition', { ...good(), paused: true }, 'paused', 'unknown-property', true],
  ['no schedule', { ...good(), schedule: undefined }, 'schedule', 'schedule.missing', true],
  ['a schedule string', { ...good(), schedule: 'rate(1 hour)' }, 'schedule', 'schedule.type', true],
  ['no expression', withSchedule({ timezone: 'UTC' }), 'schedule.expression', 'schedule.expression.missing', true],
  ['a numeric expression', withSchedule({ expression: 5 }), 'schedule.expression', 'schedule.expression.type', true],
  [
    'a five-field cron',
    withSchedule({ expression: 'cron(0 2 * * *)' }),
    'schedule.expression',
    'schedule.expression.invalid',
    false,
  ],
  [
    'both day fields set',
    withSchedule({ expression: 'cron(0 2 * * * *)' }),
    'schedule.expression',
    'schedule.expression.invalid',
    false,
  ],
  [
    'hour 25',
    withSchedule({ expression: 'cron(0 25 * * ? *)' }),
    'schedule.expression',
    'schedule.expression.invalid',
    false,
  ],
  [
    'rate of zero',
    withSchedule({ expression: 'rate(0 minutes)' }),
    'schedule.expression',
    'schedule.expression.invalid',
    false,
  ],
  [
    'rate in seconds',
    withSchedule({ expression: 'rate(30 seconds)' }),
    'schedule.expression',
    'schedule.expression.invalid',
    false,
  ],
  [
    'at() with a zone suffix',
    withSchedule({ expression: 'at(2030-01-01T09:00:00Z)' }),
    'schedule.expression',
    'schedule.expression.invalid',
    false,
  ],
  [
    'at() on 30 February',
    withSchedule({ expression: 'at(2030-02-30T09:00:00)' }),
    'schedule.expression',
    'schedule.expression.invalid',
    false,
  ],
  [
    'a made-up expression',
    withSchedule({ expression: 'every day' }),
    'schedule.expression',
    'schedule.expression.invalid',
    false,
  ],
  [
    'an unknown time zone',
    withSchedule({ expression: 'rate(1 hour)', timezone: 'Mars/Olympus' }),
    'schedule.timezone',
    'schedule.timezone.invalid',
    false,
  ],
  [
    'a numeric time zone',
    withSchedule({ expression: 'rate(1 hour)', timezone: 2 }),
    'schedule.timezone',
    'schedule.timezone.type',
    true,
  ],
  [
    'an at() time daylight saving skips',
    withSchedule({ expression: 'at(2030-03-31T02:30:00)', timezone: 'Europe/Paris' }),
    'schedule.expression',
    'schedule.expression.invalid',
    false,
  ],
  [
    'a startDate with no zone',
    withSchedule({ expression: 'rate(1 hour)', startDate: '2030-01-01T00:00:00' }),
    'schedule.startDate',
    'schedule.startDate.invalid',
    true,
  ],
  [
    'an endDate that does not exist',
    withSchedule({ expression: 'rate(1 hour)', endDate: '2030-02-30T00:00:00Z' }),
    'schedule.endDate',
    'schedule.endDate.invalid',
    false,
  ],
  [
    'a numeric startDate',
    withSchedule({ expression: 'rate(1 hour)', startDate: 1893456000 }),
    'schedule.startDate',
    'schedule.startDate.type',
    true,
  ],
  [
    'endDate before startDate',
    withSchedule({ expression: 'rate(1 hour)', startDate: '2030-02-01T00:00:00Z', endDate: '2030-01-01T00:00:00Z' }),
    'schedule.endDate',
    'schedule.endDate.before-start',
    false,
  ],
  [
    'dates with at()',
    withSchedule({ expression: 'at(2030-01-01T09:00:00)', startDate: '2029-01-01T00:00:00Z' }),
    'schedule.startDate',
    'schedule.dates-with-at',
    false,
  ],
  [
    'a flexible window of 1441',
    withSchedule({ expression: 'rate(1 hour)', flexibleWindowMinutes: 1441 }),
    'schedule.flexibleWindowMinutes',
    'schedule.flexibleWindowMinutes.range',
    true,
  ],
  [
    'a fractional flexible window',
    withSchedule({ expression: 'rate(1 hour)', flexibleWindowMinutes: 1.5 }),
    'schedule.flexibleWindowMinutes',
    'schedule.flexibleWindowMinutes.type',
    true,
  ],
  [
    'state PAUSED',
    withSchedule({ expression: 'rate(1 hour)', state: 'PAUSED' }),
    'schedule.state',
    'schedule.state.invalid',
    true,
  ],
  [
    'an unknown schedule field',
    withSchedule({ expression: 'rate(1 hour)', timeZone: 'UTC' }),
    'schedule.timeZone',
    'unknown-property',
    true,
  ],
  ['no target', { ...good(), target: undefined }, 'target', 'target.missing', true],
  ['a target ARN string', withTarget(LAMBDA), 'target', 'target.type-of', true],
  ['no target type', withTarget({ arn: LAMBDA }), 'target.type', 'target.type.missing', true],
  ['target type http', withTarget({ type: 'http', arn: LAMBDA }), 'target.type', 'target.type.invalid', true],
  ['target type ecs', withTarget({ type: 'ecs', arn: LAMBDA }), 'target.type', 'target.type.ecs', true],
  ['a lambda target with no ARN', withTarget({ type: 'lambda' }), 'target.arn', 'target.arn.missing', true],
  [
    'a function name, not an ARN',
    withTarget({ type: 'lambda', arn: 'reports-nightly' }),
    'target.arn',
    'target.arn.invalid',
    true,
  ],
  [
    'an SNS ARN on a lambda target',
    withTarget({ type: 'lambda', arn: TOPIC }),
    'target.arn',
    'target.arn.invalid',
    true,
  ],
  [
    'a lambda outside AllowedTargetArns',
    withTarget({ type: 'lambda', arn: 'arn:aws:lambda:us-east-1:123456789012:function:payroll' }),
    'target.arn',
    'target.arn.not-allowed',
    false,
  ],
  [
    'a lambda in another account',
    withTarget({ type: 'lambda', arn: 'arn:aws:lambda:us-east-1:210987654321:function:reports-x' }),
    'target.arn',
    'target.arn.not-allowed',
    false,
  ],
  [
    'message on a lambda target',
    withTarget({ type: 'lambda', arn: LAMBDA, message: 'hi' }),
    'target.message',
    'unknown-property',
    true,
  ],
  [
    'a payload over 256 KiB',
    withTarget({ type: 'lambda', arn: LAMBDA, payload: { blob: 'x'.repeat(262_145) } }),
    'target.payload',
    'target.payload.size',
    false,
  ],
  [
    'an SNS target without message',
    withTarget({ type: 'sns', arn: TOPIC }),
    'target.message',
    'target.message.missing',
    true,
  ],
  ['an empty SNS message', sns({ message: '' }), 'target.message', 'target.message.empty', true],
  ['a numeric SNS message', sns({ message: 3 }), 'target.message', 'target.message.type', true],
  [
    'a FIFO topic',
    sns({ arn: 'arn:aws:sns:us-east-1:123456789012:alerts.fifo' }),
    'target.arn',
    'target.arn.fifo',
    true,
  ],
  [
    'a topic outside AllowedTargetArns',
    sns({ arn: 'arn:aws:sns:us-east-1:123456789012:payroll' }),
    'target.arn',
    'target.arn.not-allowed',
    false,
  ],
  [
    'a subject with a line break',
    sns({ subject: 'Report\nfor today' }),
    'target.subject',
    'target.subject.invalid',
    true,
  ],
  ['a 100-character subject', sns({ subject: 's'.repeat(100) }), 'target.subject', 'target.subject.invalid', true],
  ['payload on an SNS target', sns({ payload: {} }), 'target.payload', 'unknown-property', true],
  [
    'eleven attributes',
    sns({ attributes: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, 'v'])) }),
    'target.attributes',
    'target.attributes.count',
    true,
  ],
  [
    'a reserved attribute name',
    sns({ attributes: { 'AWS.trace': 'x' } }),
    'target.attributes["AWS.trace"]',
    'target.attributes.name',
    true,
  ],
  [
    'an attribute name with a space',
    sns({ attributes: { 'job type': 'x' } }),
    'target.attributes["job type"]',
    'target.attributes.name',
    true,
  ],
  [
    'a boolean attribute',
    sns({ attributes: { urgent: true } }),
    'target.attributes.urgent',
    'target.attributes.value',
    true,
  ],
  [
    'an empty attribute string',
    sns({ attributes: { type: '' } }),
    'target.attributes.type',
    'target.attributes.empty',
    true,
  ],
  [
    'an object in a String.Array',
    sns({ attributes: { to: ['a', { b: 1 }] } }),
    'target.attributes.to[1]',
    'target.attributes.list-item',
    true,
  ],
  ['maxRuns 0', { ...good(), maxRuns: 0 }, 'maxRuns', 'maxRuns.range', true],
  ['maxRuns 2.5', { ...good(), maxRuns: 2.5 }, 'maxRuns', 'maxRuns.type', true],
  ['maxRuns as a string', { ...good(), maxRuns: '3' }, 'maxRuns', 'maxRuns.type', true],
  [
    'maxRuns with at()',
    { ...withSchedule({ expression: 'at(2030-01-01T09:00:00)' }), maxRuns: 2 },
    'maxRuns',
    'maxRuns.with-at',
    false,
  ],
  ['overlap never', { ...good(), overlap: 'never' }, 'overlap', 'overlap.invalid', true],
  ['overlap skip on SNS', { ...sns(), overlap: 'skip' }, 'overlap', 'overlap.sns', false],
  ['tags as a list', { ...good(), tags: ['team'] }, 'tags', 'tags.type', true],
  ['a numeric tag value', { ...good(), tags: { team: 7 } }, 'tags.team', 'tags.value', true],
  ['an aws: tag', { ...good(), tags: { 'aws:owner': 'me' } }, 'tags["aws:owner"]', 'tags.key', true],
  [
    '51 tags',
    { ...good(), tags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`t${i}`, 'v'])) },
    'tags',
    'tags.count',
    true,
  ],
];

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
