import type { Template } from '../../../tooling/cfn-yaml';
import { functionEnvironment, TemplateResolveError } from '../../../tooling/template-env';

const template: Template = {
  Parameters: {
    Sender: { Type: 'String' },
    Level: { Type: 'String', Default: 'INFO' },
    Extra: { Type: 'String', Default: '' },
  },
  Conditions: { HasExtra: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'Extra' }, ''] }] } },
  Globals: { Function: { Environment: { Variables: { SHARED: 'yes' } } } },
  Resources: {
    Table: { Type: 'AWS::DynamoDB::Table' },
    Fn: {
      Type: 'AWS::Serverless::Function',
      Properties: {
        Environment: {
          Variables: {
            SENDER: { Ref: 'Sender' },
            LEVEL: { Ref: 'Level' },
            TABLE: { Ref: 'Table' },
            EXTRA: { 'Fn::If': ['HasExtra', { Ref: 'Extra' }, { Ref: 'AWS::NoValue' }] },
            // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string
            WHERE: { 'Fn::Sub': '${AWS::Region}/${Table}' },
            LITERAL: 'x',
          },
        },
      },
    },
  },
};

test('resolves Refs to parameters, defaults, resources, pseudo parameters, conditions and Sub', () => {
  expect(
    functionEnvironment(template, 'Fn', {
      parameters: { Sender: 'a@b.c' },
      resources: { Table: 't1' },
      region: 'eu-west-1',
    }),
  ).toEqual({
    SHARED: 'yes',
    SENDER: 'a@b.c',
    LEVEL: 'INFO',
    TABLE: 't1',
    WHERE: 'eu-west-1/t1',
    LITERAL: 'x',
  });
  expect(
    functionEnvironment(template, 'Fn', { parameters: { Sender: 's', Extra: 'e' }, resources: { Table: 't' } }).EXTRA,
  ).toBe('e');
});

test('a required parameter without a value or an unknown resource is an error naming it', () => {
  expect(() => functionEnvironment(template, 'Fn', { resources: { Table: 't' } })).toThrow(
    new TemplateResolveError('parameter Sender has no default: give it a value'),
  );
  expect(() => functionEnvironment(template, 'Fn', { parameters: { Sender: 's' } })).toThrow(
    /cannot resolve Ref Table/,
  );
});
