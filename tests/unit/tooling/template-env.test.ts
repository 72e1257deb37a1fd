import type { Template } from '../../../tooling/cfn-yaml';
import { functionEnvironment, NO_VALUE, resolver, TemplateResolveError } from '../../../tooling/template-env';

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

describe('resolver: the one evaluator of intrinsic functions', () => {
  const t: Template = {
    Parameters: {
      Name: { Type: 'String', Default: 'a<b>' },
      Zones: { Type: 'CommaDelimitedList', Default: 'x,y' },
      Env: { Type: 'String', Default: 'prod' },
    },
    Mappings: { Sizes: { prod: { Memory: 1024 } } },
    Conditions: { IsProd: { 'Fn::Equals': [{ Ref: 'Env' }, 'prod'] }, IsDev: { 'Fn::Not': [{ Condition: 'IsProd' }] } },
    Resources: {
      Queue: { Type: 'AWS::SQS::Queue' },
      DevOnly: { Type: 'AWS::SNS::Topic', Condition: 'IsDev', Properties: { TopicName: 'dev' } },
    },
  };

  test('Sub (with a literal $-brace), Select/Split/Join, FindInMap, lists and conditions', () => {
    const { value } = resolver(t, { resources: { Queue: 'q-1' }, attributes: { 'Queue.Arn': 'arn:q' } });
    const sub = ['Queue', 'Queue.Arn', '!Literal', 'AWS::Region'].map((n) => `$\{${n}}`).join(' ');
    expect(value({ 'Fn::Sub': sub })).toBe(`q-1 arn:q $\{Literal} us-east-1`);
    expect(value({ 'Fn::Select': [1, { 'Fn::Split': ['<', { Ref: 'Name' }] }] })).toBe('b>');
    expect(value({ 'Fn::Join': ['+', { Ref: 'Zones' }] })).toBe('x+y');
    expect(value({ 'Fn::FindInMap': ['Sizes', { Ref: 'Env' }, 'Memory'] })).toBe(1024);
    expect(value({ 'Fn::If': ['IsDev', 'd', { Ref: 'AWS::NoValue' }] })).toBe(NO_VALUE);
    expect(
      value({ a: { 'Fn::If': ['IsDev', 'd', { Ref: 'AWS::NoValue' }] }, b: [1, { Ref: 'AWS::NoValue' }] }),
    ).toEqual({
      b: [1],
    });
  });

  test('resources() keeps only those whose Condition holds; placeholders stand for unnamed resources', () => {
    expect(Object.keys(resolver(t, {}).resources())).toEqual(['Queue']);
    expect(Object.keys(resolver(t, { parameters: { Env: 'dev' } }).resources())).toEqual(['Queue', 'DevOnly']);
    const { value } = resolver(t, { placeholders: true });
    expect(value({ 'Fn::GetAtt': ['Queue', 'Arn'] })).toBe('<Queue.Arn>');
    expect(value({ Ref: 'Queue' })).toBe('<Queue>');
    expect(() => value({ Ref: 'Nothing' })).toThrow(TemplateResolveError);
  });

  test('errors name what cannot be resolved', () => {
    const { value } = resolver(t, {});
    expect(() => value({ 'Fn::Select': [5, ['a']] })).toThrow('Fn::Select index 5 is out of range (1 items)');
    expect(() => value({ 'Fn::GetAtt': ['Queue', 'Arn'] })).toThrow('cannot resolve Fn::GetAtt Queue.Arn');
    expect(() => value({ 'Fn::Cidr': ['10.0.0.0/16', 2, 8] })).toThrow('Fn::Cidr is not supported by this evaluator');
  });
});
