import { cfnLint, describeFindings, readTemplate, samTranslate, templatePath } from '../../tooling/cfn';
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
