/**
 * The composed example (examples/parent): lints clean, SAM-translates, and fits the templates it nests. Every
 * nested application is mapped to the repository template it deploys (a local Location directly; a SAR
 * ApplicationId through the app name in its ARN and each template's AWS::ServerlessRepo::Application Name), then:
 * every parameter passed exists there, every required one is passed, the values the example passes (literals, the
 * parent's defaults and the samconfig.toml values) satisfy the nested constraints, and every
 * `!GetAtt App.Outputs.X` names a real output. samconfig.toml must give every required parameter a valid value.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TOPIC_VARIABLES } from '../../examples/job/src/contract';
import { resolveEvent } from '../../examples/job/src/event';
import { transform as cloudCron } from '../../functions/macro/transform';
import { SAR_APPS } from '../../tooling/apps';
import { cfnLint, describeFindings, samTranslate } from '../../tooling/cfn';
import { failedRules } from '../../tooling/cfn-rules';
import { loadTemplate, type Template, type TemplateParameter } from '../../tooling/cfn-yaml';
import { nestedApps, nestedParameters } from '../../tooling/nested-apps';
import { EVENTS, ROOT } from '../../tooling/paths';
import { projectPython } from '../../tooling/python';
import { resolver } from '../../tooling/template-env';
import { parameterProblem } from '../../tooling/template-params';

const PARENT_DIR = join(ROOT, 'examples', 'parent');
const PARENT_FILE = join(PARENT_DIR, 'template.yaml');
const parent = loadTemplate(PARENT_FILE);

/** Our SAR apps, by the Name they publish under. */
const sarByName = new Map<string, string>(SAR_APPS.map((a) => [a.sarName, a.template]));

type Intrinsic = { Ref?: string; 'Fn::GetAtt'?: [string, string]; 'Fn::Sub'?: unknown };
type AppProperties = {
  Location: string | { ApplicationId: string | Intrinsic; SemanticVersion: string | Intrinsic };
  Parameters?: Record<string, unknown>;
};
const apps = Object.entries(parent.Resources)
  .filter(([, r]) => r.Type === 'AWS::Serverless::Application')
  .map(([id, r]) => ({ id, props: r.Properties as unknown as AppProperties }));

/** samconfig.toml's parameter_overrides, as `sam deploy` passes them (TOML read by Python's tomllib). */
function samconfigParameters(): Record<string, string> {
  const json = execFileSync(
    projectPython(),
    [
      '-c',
      'import json,sys,tomllib; print(json.dumps(tomllib.load(open(sys.argv[1], "rb"))))',
      join(PARENT_DIR, 'samconfig.toml'),
    ],
    { encoding: 'utf8' },
  );
  const config = JSON.parse(json) as {
    default: { deploy: { parameters: { parameter_overrides: string[] | string } } };
  };
  const overrides = config.default.deploy.parameters.parameter_overrides;
  expect(Array.isArray(overrides)).toBe(true);
  return Object.fromEntries(
    (overrides as string[]).map((entry) => {
      const eq = entry.indexOf('=');
      const raw = entry.slice(eq + 1);
      const value = raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1).replace(/\\"/g, '"') : raw;
      expect(raw.startsWith('"') || !/\s/.test(raw)).toBe(true); // SAM CLI splits unquoted values at spaces
      return [entry.slice(0, eq), value];
    }),
  );
}
const deployed = samconfigParameters();

const constraintProblem = parameterProblem;

/** The values a parent parameter takes in this example: its Default and its samconfig.toml value. */
function parentValues(name: string): string[] {
  const p = parent.Parameters?.[name];
  if (!p) throw new Error(`parent parameter ${name} does not exist`);
  return [p.Default, deployed[name]].filter((v): v is string | number => v !== undefined).map(String);
}

/** The value of a Location field: a literal, or a parameter Ref resolved with samconfig.toml (then Default). */
function locationValue(field: string | Intrinsic): string {
  return String(resolver(parent, { parameters: deployed }).value(field));
}

/** The repository template an application deploys. */
const nested = new Map(nestedApps(parent, PARENT_FILE, { parameters: deployed }).map((n) => [n.logicalId, n]));
function templateOf(app: (typeof apps)[number]): string {
  const n = nested.get(app.id);
  if (!n) throw new Error(`${app.id} is not a nested application`);
  return n.app.template;
}

const readChild = (file: string): Template => loadTemplate(join(ROOT, file));

test('cfn-lint reports nothing on examples/parent/template.yaml', () => {
  expect(describeFindings(cfnLint(PARENT_FILE))).toEqual([]);
});

test('the parent uses only the SAM transform and nests its parts', () => {
  expect(parent.Transform).toBe('AWS::Serverless-2016-10-31');
  expect(Object.fromEntries(apps.map((a) => [a.id, templateOf(a)]))).toEqual({
    Mirror: 'template-mirror.yaml',
    Job: 'template-scheduled-lambda.yaml',
    NightlyTask: 'template-scheduled-task.yaml',
    ReportEmail: 'template-email.yaml',
    AlertSms: 'template-sms.yaml',
    AlertSlack: 'template-webhook.yaml',
  });
  const topics = Object.entries(parent.Resources).filter(([, r]) => r.Type === 'AWS::SNS::Topic');
  expect(topics.map(([id]) => id).sort()).toEqual(['AlertsTopic', 'ReportsTopic']);
  for (const [, topic] of topics) expect(topic.Properties?.KmsMasterKeyId).toBe('alias/aws/sns');
});

describe.each(apps.map((a) => [a.id, a] as const))('nested application %s', (_id, app) => {
  const file = templateOf(app);
  const child = readChild(file);
  const passed = app.props.Parameters ?? {};

  test('every parameter passed exists in its template', () => {
    const unknown = Object.keys(passed).filter((k) => !(k in (child.Parameters ?? {})));
    expect(unknown).toEqual([]);
  });

  test('every required parameter of its template is passed', () => {
    const required = Object.entries(child.Parameters ?? {})
      .filter(([, p]) => p.Default === undefined)
      .map(([k]) => k);
    expect(required.filter((k) => !(k in passed))).toEqual([]);
  });

  test('the values it receives satisfy its template constraints', () => {
    const problems: string[] = [];
    for (const [name, value] of Object.entries(passed)) {
      const p = child.Parameters?.[name];
      if (!p) continue;
      const ref = (value as Intrinsic)?.Ref;
      const candidates =
        typeof value === 'string' || typeof value === 'number'
          ? [String(value)]
          : ref && !ref.startsWith('AWS::') && parent.Parameters?.[ref]
            ? parentValues(ref)
            : [];
      for (const v of candidates) {
        const problem = constraintProblem(p, v);
        if (problem) problems.push(`${name}=${JSON.stringify(v)} ${problem}`);
      }
    }
    expect(problems).toEqual([]);
  });

  if (typeof app.props.Location !== 'string') {
    test('the SAR version deployed is the one in the repository and in package.json', () => {
      const location = app.props.Location as Exclude<AppProperties['Location'], string>;
      const meta = child.Metadata?.['AWS::ServerlessRepo::Application'] as { SemanticVersion: string };
      const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
      expect(locationValue(location.SemanticVersion)).toBe(meta.SemanticVersion);
      expect(locationValue(location.SemanticVersion)).toBe(pkg.version);
    });

    test('its ApplicationId parameter accepts exactly this app', () => {
      const location = app.props.Location as Exclude<AppProperties['Location'], string>;
      const ref = (location.ApplicationId as Intrinsic).Ref;
      expect(ref).toBeDefined();
      const p = parent.Parameters?.[ref as string] as TemplateParameter;
      const name = [...sarByName].find(([, f]) => f === file)?.[0];
      expect(
        constraintProblem(p, `arn:aws:serverlessrepo:eu-west-1:210987654321:applications/${name}`),
      ).toBeUndefined();
      const others = [...sarByName.keys()].filter((n) => n !== name);
      for (const other of others) {
        expect(
          constraintProblem(p, `arn:aws:serverlessrepo:eu-west-1:210987654321:applications/${other}`),
        ).toBeDefined();
      }
    });
  }
});

test('every Outputs reference names an output of the nested template', () => {
  const refs: [string, string][] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const att = (v as Intrinsic)['Fn::GetAtt'];
      if (Array.isArray(att) && att[1].startsWith('Outputs.')) refs.push([att[0], att[1].slice('Outputs.'.length)]);
      Object.values(v).forEach(walk);
    }
  };
  walk(parent.Resources);
  walk(parent.Outputs);
  expect(refs.length).toBeGreaterThanOrEqual(6);
  const missing = refs.filter(([id, output]) => {
    const app = apps.find((a) => a.id === id);
    return !app || !(output in (readChild(templateOf(app)).Outputs ?? {}));
  });
  expect(missing).toEqual([]);
});

test('the job gets its image from the mirror and the two topics as REPORTS and ALERTS', () => {
  const job = apps.find((a) => a.id === 'Job')?.props.Parameters ?? {};
  expect(job.LambdaImageUri).toEqual({ 'Fn::GetAtt': ['Mirror', 'Outputs.ImageUri'] });
  expect(job.SnsTopics).toEqual({
    'Fn::Sub': `${TOPIC_VARIABLES.report}=\${ReportsTopic},${TOPIC_VARIABLES.alert}=\${AlertsTopic}`,
  });
  expect(job.Architecture).toEqual({ Ref: 'Architecture' });
  expect(apps.find((a) => a.id === 'Mirror')?.props.Parameters?.Architecture).toEqual({ Ref: 'Architecture' });
});

test('the CloudCron macro accepts the job stack as the parent configures it, giving the job REPORTS and ALERTS', () => {
  const reports = 'arn:aws:sns:us-east-1:123456789012:cloud-cron-example-reports';
  const alerts = 'arn:aws:sns:us-east-1:123456789012:cloud-cron-example-alerts';
  const values = nestedParameters(parent, nested.get('Job')!, {
    parameters: deployed,
    resources: { ReportsTopic: reports, AlertsTopic: alerts },
    attributes: {
      'Mirror.Outputs.ImageUri': `123456789012.dkr.ecr.us-east-1.amazonaws.com/cloud-cron-health-check@sha256:${'b'.repeat(64)}`,
    },
  });
  expect(values.SnsTopics).toBe(`REPORTS=${reports},ALERTS=${alerts}`);
  const out = cloudCron(readChild('template-scheduled-lambda.yaml'), values);
  const fn = out.Resources.JobFunction.Properties as { Environment: { Variables: Record<string, unknown> } };
  expect(fn.Environment.Variables).toMatchObject({ REPORTS: reports, ALERTS: alerts });
});

test('the CloudCron macro accepts the task stack as the parent configures it: REPORTS and ALERTS, the payload', () => {
  const task = apps.find((a) => a.id === 'NightlyTask')?.props.Parameters ?? {};
  const reports = 'arn:aws:sns:us-east-1:123456789012:cloud-cron-example-reports';
  const alerts = 'arn:aws:sns:us-east-1:123456789012:cloud-cron-example-alerts';
  const values = nestedParameters(parent, nested.get('NightlyTask')!, {
    parameters: deployed,
    resources: { ReportsTopic: reports, AlertsTopic: alerts },
    attributes: {
      'Mirror.Outputs.ImageUri': `123456789012.dkr.ecr.us-east-1.amazonaws.com/cloud-cron-health-check@sha256:${'b'.repeat(64)}`,
    },
  });
  expect(values.SnsTopics).toBe(`REPORTS=${reports},ALERTS=${alerts}`);
  // The parent's List<AWS::EC2::Subnet::Id> is joined into the task's CommaDelimitedList.
  expect(values.SubnetIds).toBe(deployed.TaskSubnetIds);
  expect(failedRules(readChild('template-scheduled-task.yaml'), values)).toEqual([]); // Cpu/Memory pair, Spot
  const out = cloudCron(readChild('template-scheduled-task.yaml'), values);
  const [container] = (out.Resources.TaskDefinition.Properties as { ContainerDefinitions: Record<string, unknown>[] })
    .ContainerDefinitions;
  expect(container.Environment).toEqual([
    { Name: 'REPORTS', Value: reports },
    { Name: 'ALERTS', Value: alerts },
  ]);
  const input = JSON.parse((out.Resources.Schedule.Properties as { Target: { Input: string } }).Target.Input);
  const payload = input.containerOverrides[0].environment[0];
  expect(payload.name).toBe('CLOUD_CRON_PAYLOAD');
  expect(resolveEvent(JSON.parse(payload.value)).endpoints.length).toBeGreaterThan(0);
  // The image's task entry, run with node instead of the Lambda base image's entry point.
  expect([task.EntryPoint, task.Command]).toEqual(['node', '/var/task/task.js']);
  expect(readFileSync(join(ROOT, 'examples', 'job', 'Dockerfile'), 'utf8')).toMatch(
    /COPY .*\/task\.js \$\{LAMBDA_TASK_ROOT\}\//,
  );
});

test('the job accepts the default SchedulePayload and the sample event', () => {
  const payload = JSON.parse(String(parent.Parameters?.SchedulePayload.Default));
  expect(resolveEvent(payload).endpoints.length).toBeGreaterThan(0);
  const sample = JSON.parse(readFileSync(join(EVENTS, 'example-job.json'), 'utf8'));
  expect(resolveEvent(sample).endpoints.length).toBeGreaterThan(1);
});

test('every parent parameter is documented and constrained; samconfig.toml gives every required one a valid value', () => {
  const problems: string[] = [];
  for (const [name, p] of Object.entries(parent.Parameters ?? {})) {
    if (!p.Description) problems.push(`${name} has no Description`);
    const constrained = p.AllowedPattern ?? p.AllowedValues ?? p.MinValue ?? p.MaxValue;
    if (constrained === undefined) problems.push(`${name} has no constraint`);
    if (p.AllowedPattern && !p.ConstraintDescription) problems.push(`${name} has no ConstraintDescription`);
    if (p.Default === undefined && deployed[name] === undefined)
      problems.push(`${name} is required but not in samconfig.toml`);
    if (p.Default !== undefined) {
      const problem = constraintProblem(p, String(p.Default));
      if (problem) problems.push(`${name} Default ${problem}`);
    }
  }
  for (const [name, value] of Object.entries(deployed)) {
    const p = parent.Parameters?.[name];
    if (!p) problems.push(`samconfig.toml sets ${name}, which the template does not have`);
    else {
      const problem = constraintProblem(p, value);
      if (problem) problems.push(`samconfig.toml ${name}=${value} ${problem}`);
    }
  }
  for (const [name, output] of Object.entries(parent.Outputs ?? {})) {
    if (!output.Description) problems.push(`output ${name} has no Description`);
  }
  expect(problems).toEqual([]);
});

test('the channel templates shown in examples/README.md are the ones the parent deploys', () => {
  const readme = readFileSync(join(ROOT, 'examples', 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```handlebars\n([\s\S]*?)```/g)].map((m) => m[1]);
  const passed = (id: string) => apps.find((a) => a.id === id)?.props.Parameters ?? {};
  expect(blocks).toEqual([
    passed('ReportEmail').TextTemplate,
    passed('ReportEmail').HtmlTemplate,
    `${passed('AlertSms').MessageTemplate}\n`,
  ]);
});

test('samconfig.toml acknowledges CAPABILITY_IAM and CAPABILITY_AUTO_EXPAND', () => {
  const text = readFileSync(join(PARENT_DIR, 'samconfig.toml'), 'utf8');
  expect(text).toMatch(/^capabilities = "CAPABILITY_IAM CAPABILITY_AUTO_EXPAND"$/m);
});

describe('SAM translation', () => {
  /**
   * What CloudFormation's SAM transform sees after packaging: `sam deploy` uploads the local Location to S3, and the
   * transform asks the SAR for each app's template URL (CreateCloudFormationTemplate). Both are replaced by URLs
   * here, as no AWS account is reachable; the Refs in ApplicationId are resolved like the transform does.
   */
  function packaged(): Template {
    const copy = structuredClone(parent);
    for (const app of apps) {
      const props = copy.Resources[app.id].Properties as unknown as AppProperties;
      const file = templateOf(app);
      props.Location =
        typeof app.props.Location === 'string'
          ? `https://cloud-cron-artifacts.s3.us-east-1.amazonaws.com/cloud-cron-example/${dirname(file)}/${file}`
          : `https://awsserverlessrepo-changesets-example.s3.us-east-1.amazonaws.com/${file.replace('/', '-')}`;
    }
    return copy;
  }

  test('the packaged parent translates into nested stacks with the parameters passed', () => {
    const cfn = samTranslate(packaged(), deployed);
    for (const app of apps) {
      const stack = cfn.Resources[app.id];
      expect(stack.Type).toBe('AWS::CloudFormation::Stack');
      const props = stack.Properties as { TemplateURL: string; Parameters?: Record<string, unknown> };
      expect(props.TemplateURL).toMatch(/^https:\/\//);
      expect(Object.keys(props.Parameters ?? {}).sort()).toEqual(Object.keys(app.props.Parameters ?? {}).sort());
    }
    expect(cfn.Resources.ReportsTopic.Type).toBe('AWS::SNS::Topic');
    // The Location parameters are consumed by the transform (here: by the replacement above), so only they may be
    // reported unused in the processed template.
    const consumed = [
      'MirrorApplicationId',
      'EmailApplicationId',
      'SmsApplicationId',
      'WebhookApplicationId',
      'ApplicationsVersion',
    ];
    const findings = cfnLint(cfn).filter(
      (f) => !(f.Rule.Id === 'W2001' && consumed.some((name) => f.Message === `Parameter ${name} not used.`)),
    );
    expect(describeFindings(findings)).toEqual([]);
  });
});
