import type { MacroResponse } from '../../functions/macro/index';
import { buildAll } from '../../tooling/build';
import { cfnLint, describeFindings, readTemplate, samTranslate, templatePath, writeTemplate } from '../../tooling/cfn';
import { parseTemplate, type Template } from '../../tooling/cfn-yaml';
import { invokeBundle } from '../../tooling/invoke';
import { ROOT } from '../../tooling/paths';
import { sarProblems } from '../../tooling/sar';

const FILE = 'macro/template.yaml';

test('cfn-lint reports nothing on macro/template.yaml', () => {
  expect(describeFindings(cfnLint(templatePath(FILE)))).toEqual([]);
});

test('the macro app is publishable to the Serverless Application Repository', () => {
  expect(sarProblems(readTemplate(FILE), templatePath(FILE))).toEqual([]);
});

test('it registers a macro named by MacroName (default CloudCron) backed by the function', () => {
  const template = readTemplate(FILE);
  expect(template.Parameters?.MacroName.Default).toBe('CloudCron');
  const cfn = samTranslate(templatePath(FILE));
  expect(cfn.Resources.Macro).toEqual({
    Type: 'AWS::CloudFormation::Macro',
    Properties: expect.objectContaining({
      Name: { Ref: 'MacroName' },
      FunctionName: { 'Fn::GetAtt': ['MacroFunction', 'Arn'] },
    }),
  });
  // The function calls no AWS API: its role carries nothing beyond logging.
  const role = cfn.Resources.MacroFunctionRole.Properties as { Policies?: unknown[]; ManagedPolicyArns: unknown[] };
  expect(role.Policies ?? []).toEqual([]);
  expect(role.ManagedPolicyArns).toEqual([expect.stringContaining('AWSLambdaBasicExecutionRole')]);
});

/**
 * The built macro (dist/macro) on a template of the shapes real templates use (functions sharing a role named three
 * ways, SAM policies, Globals, a schedule, a rule with a target Input), with SnsTopics plain and NoEcho: its output
 * and that output's SAM translation go through cfn-lint.
 */
describe('the built macro on a real-world-shaped template, through the SAM translator and cfn-lint', () => {
  const TOPICS = 'ALERTS=arn:aws:sns:us-east-1:123456789012:alerts,AUDIT=arn:aws:sns:eu-west-1:210987654321:audit';
  const source = (noEcho: boolean) =>
    parseTemplate(`
AWSTemplateFormatVersion: '2010-09-09'
Description: Functions sharing a role, as AWS samples and SAR apps write them.
Parameters:
  SnsTopics:
    Type: String
    Default: ''
    Description: Topic map for the CloudCron macro.${noEcho ? '\n    NoEcho: true' : ''}
Globals:
  Function:
    Runtime: nodejs22.x
    Handler: index.handler
    Timeout: 10
    Environment:
      Variables:
        LOG_LEVEL: info
Resources:
  SharedRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: { Service: lambda.amazonaws.com }
            Action: sts:AssumeRole
      ManagedPolicyArns:
        - !Sub arn:\${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole
  First:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: exports.handler = async () => ({});
      Role: !GetAtt SharedRole.Arn
      Events:
        Nightly:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: cron(0/30 20-2 ? * MON-FRI *)
            ScheduleExpressionTimezone: Europe/Paris
            Input: '{"report": "nightly"}'
  Second:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: exports.handler = async () => ({});
      Role: { 'Fn::GetAtt': 'SharedRole.Arn' }
  Third:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: exports.handler = async () => ({});
      Role: !Sub '\${SharedRole.Arn}'
  Own:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: exports.handler = async () => ({});
      Policies: [AWSLambdaBasicExecutionRole]
  Hourly:
    Type: AWS::Events::Rule
    Properties:
      ScheduleExpression: rate(1 hour)
      Targets:
        - Id: Own
          Arn: !GetAtt Own.Arn
          Input: '{"from": "rule"}'
  HourlyPermission:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !Ref Own
      Principal: events.amazonaws.com
      SourceArn: !GetAtt Hourly.Arn
`);

  type Run = { noEcho: boolean; out: Template; cfn: Template; lintOut: string[]; lintCfn: string[] };
  const runs: Run[] = [];

  beforeAll(async () => {
    await buildAll(ROOT, ['macro']);
    const events = [false, true].map((noEcho, i) => ({
      region: 'us-east-1',
      accountId: '123456789012',
      transformId: '123456789012::CloudCron',
      requestId: `req-${i}`,
      params: {},
      fragment: source(noEcho),
      templateParameterValues: { SnsTopics: TOPICS },
    }));
    const results = await invokeBundle<MacroResponse>('macro', events, {});
    for (const [i, r] of results.entries()) {
      if (!r.ok) throw new Error(`macro threw: ${r.error.message}`);
      if (r.result.status !== 'success') throw new Error(`macro refused: ${r.result.errorMessage}`);
      const noEcho = i === 1;
      // CloudFormation hands the SAM transform what the macro returned.
      const out: Template = { ...r.result.fragment, Transform: 'AWS::Serverless-2016-10-31' };
      const cfn = samTranslate(out, { SnsTopics: TOPICS });
      const lintOut = describeFindings(cfnLint(writeTemplate(out, `macro-out-${i}.json`)));
      const lintCfn = describeFindings(cfnLint(writeTemplate(cfn, `macro-cfn-${i}.json`)));
      runs.push({ noEcho, out, cfn, lintOut, lintCfn });
    }
  }, 180000);

  const alerts = 'arn:aws:sns:us-east-1:123456789012:alerts';
  const audit = 'arn:aws:sns:eu-west-1:210987654321:audit';

  test.each([false, true])(
    'NoEcho %s: every function gets the variables, merged with the Globals ones by SAM',
    (noEcho) => {
      const { cfn } = runs.find((r) => r.noEcho === noEcho) as Run;
      for (const id of ['First', 'Second', 'Third', 'Own']) {
        expect(cfn.Resources[id].Properties?.Environment).toEqual({
          Variables: { LOG_LEVEL: 'info', ALERTS: alerts, AUDIT: audit },
        });
      }
    },
  );

  test.each([false, true])(
    'NoEcho %s: the shared role gets one publish policy; the SAM role its own statement',
    (noEcho) => {
      const { cfn } = runs.find((r) => r.noEcho === noEcho) as Run;
      const publish = { Effect: 'Allow', Action: 'sns:Publish', Resource: [alerts, audit] };
      const shared = cfn.Resources.SharedRole.Properties?.Policies as { PolicyName: string; PolicyDocument: unknown }[];
      expect(shared).toEqual([
        { PolicyName: 'CloudCronSnsPublish', PolicyDocument: { Version: '2012-10-17', Statement: [publish] } },
      ]);
      const own = cfn.Resources.OwnRole.Properties?.Policies as { PolicyDocument: { Statement: unknown[] } }[];
      expect(own.flatMap((p) => p.PolicyDocument.Statement)).toEqual([publish]);
    },
  );

  test('plain SnsTopics: the record keeps the parameter referenced; cfn-lint reports nothing on output or translation', () => {
    const run = runs.find((r) => !r.noEcho) as Run;
    expect(run.cfn.Resources.First.Metadata).toEqual({ CloudCron: { AppliedSnsTopics: { Ref: 'SnsTopics' } } });
    expect(run.lintOut).toEqual([]);
    expect(run.lintCfn).toEqual([]);
  });

  test('NoEcho SnsTopics: nothing recorded (W2010 stays quiet); the translation reports the parameter unused, which it is', () => {
    const run = runs.find((r) => r.noEcho) as Run;
    expect(JSON.stringify(run.out)).not.toContain('AppliedSnsTopics');
    expect(run.lintOut).toEqual([]);
    expect(run.lintCfn).toEqual([expect.stringMatching(/^W2001 Parameter SnsTopics not used\./)]);
  });
});
