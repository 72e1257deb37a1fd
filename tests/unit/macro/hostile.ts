/**
 * Seeded generator of hostile macro requests: templates and SnsTopics maps with prototype names, escapes,
 * duplicates, intrinsics where maps belong, loops, scalars where maps belong, very deep nesting. Deterministic:
 * the same seed gives the same requests.
 */

/** mulberry32: a small, fast, seeded PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rand = {
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
};

export function rand(seed: number): Rand {
  const next = prng(seed);
  return {
    int: (n) => Math.floor(next() * n),
    pick: (items) => items[Math.floor(next() * items.length)],
    chance: (p) => next() < p,
  };
}

const ARN = (name: string, account = '123456789012') => `arn:aws:sns:us-east-1:${account}:${name}`;

const HOSTILE_KEYS = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'prototype',
  'Ref',
  'Fn::GetAtt',
  'Fn::Sub',
  'Fn::If',
  'Fn::ForEach::Loop',
  'Fn::Transform',
  '',
  'Jöb',
  'A'.repeat(300),
] as const;
const NAMES = ['Job', 'Other', 'Role', 'R', 'Rule', 'Sched', 'Machine', 'Bucket', ...HOSTILE_KEYS] as const;
const TYPES = [
  'AWS::Serverless::Function',
  'AWS::Serverless::Function',
  'AWS::Serverless::Function',
  'AWS::Serverless::StateMachine',
  'AWS::Scheduler::Schedule',
  'AWS::Events::Rule',
  'AWS::IAM::Role',
  'AWS::IAM::Role',
  'AWS::ECS::TaskDefinition',
  'AWS::S3::Bucket',
  'Custom::Thing',
] as const;
const EXPRESSIONS = [
  'rate(5 minutes)',
  'rate(1 minute)',
  'rate(0 minutes)',
  'cron(0 12 * * ? *)',
  'cron(0/30 20-2 ? * MON-FRI *)',
  'cron(0 12 * * * *)',
  'cron(61 * * * ? *)',
  'at(2030-01-01T00:00:00)',
  'at(2020-01-01T00:00:00)',
  'at(2030-02-30T10:00:00)',
  'every day',
  '',
] as const;
const ZONES = ['UTC', 'Europe/Paris', 'Mars/Olympus', '', 'America/New_York'] as const;
const INPUTS = ['{}', '{"a":1}', '{"a":', 'not json', '', '[1,2]', '"x"', '5'] as const;
// biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string
const SCALARS: unknown[] = [null, true, false, 0, -0, 3.0, -1, 1e308, '', 'x', '${R.Arn}', 'R.Arn', '\u0000', '\ud800'];

export function generator(seed: number) {
  const r = rand(seed);
  /** Half the requests are gentle: mostly the right shapes and valid maps, so topics really get applied. */
  let gentle = false;
  const name = () =>
    gentle
      ? r.pick(['Job', 'Other', 'Worker', 'Report', 'constructor', 'toString', '__proto__'])
      : r.chance(0.7)
        ? r.pick(NAMES)
        : `N${r.int(1000)}`;

  function scalar(): unknown {
    return r.chance(0.3) ? r.pick(EXPRESSIONS) : r.pick(SCALARS);
  }

  function intrinsic(): unknown {
    const target = name();
    return r.pick([
      () => ({ Ref: r.pick([target, 'SnsTopics', 'Expr', 'Zone', 'Payload', 'constructor', 'AWS::Region']) }),
      () => ({ 'Fn::GetAtt': [target, 'Arn'] }),
      () => ({ 'Fn::GetAtt': `${target}.Arn` }),
      () => ({ 'Fn::Sub': `\${${target}.Arn}` }),
      () => ({ 'Fn::Sub': [`\${${target}.Arn}`, r.chance(0.5) ? {} : { [`${target}.Arn`]: 'x' }] }),
      () => ({ 'Fn::If': ['C', value(2), value(2)] }),
      () => ({ 'Fn::Join': ['', [value(2)]] }),
    ])();
  }

  /** Any JSON value, `depth` levels at most. */
  function value(depth: number): unknown {
    if (depth <= 0 || r.chance(0.35)) return scalar();
    const kind = r.int(4);
    if (kind === 0) return Array.from({ length: r.int(4) }, () => value(depth - 1));
    if (kind === 1) return intrinsic();
    const m: Record<string, unknown> = {};
    for (let i = r.int(4); i > 0; i -= 1) define(m, r.pick(HOSTILE_KEYS), value(depth - 1));
    return m;
  }

  /** Sets a key as an own property, as JSON.parse would (`__proto__` included). */
  function define(m: Record<string, unknown>, key: string, v: unknown) {
    Object.defineProperty(m, key, { value: v, enumerable: true, writable: true, configurable: true });
  }

  /** Sometimes the right shape, sometimes not. */
  function maybe<T>(good: () => T, p = 0.8): unknown {
    return r.chance(gentle ? 0.98 : p) ? good() : value(2);
  }

  function environment(): unknown {
    return maybe(() => ({
      Variables: maybe(() => {
        const vars: Record<string, unknown> = {};
        for (let i = r.int(4); i > 0; i -= 1)
          define(
            vars,
            r.pick(['LOG', 'ALERTS', 'constructor', '__proto__', 'A1']),
            r.pick(['x', 5, true, { Ref: 'P' }]),
          );
        return vars;
      }),
    }));
  }

  function events(): unknown {
    return maybe(() => {
      const ev: Record<string, unknown> = {};
      for (let i = r.int(3); i > 0; i -= 1) {
        const type = r.pick(['Schedule', 'ScheduleV2', 'EventBridgeRule', 'Api', 'SQS']);
        define(ev, r.chance(0.8) ? `E${i}` : r.pick(HOSTILE_KEYS), {
          Type: type,
          Properties: maybe(() => ({
            Schedule: r.chance(0.5) ? r.pick(EXPRESSIONS) : { Ref: 'Expr' },
            ScheduleExpression: r.chance(0.5) ? r.pick(EXPRESSIONS) : { Ref: 'Expr' },
            ...(r.chance(0.5) ? { ScheduleExpressionTimezone: r.chance(0.5) ? r.pick(ZONES) : { Ref: 'Zone' } } : {}),
            ...(r.chance(0.5) ? { Input: r.chance(0.5) ? r.pick(INPUTS) : { Ref: 'Payload' } } : {}),
          })),
        });
      }
      return ev;
    });
  }

  function properties(type: string): unknown {
    const p: Record<string, unknown> = {};
    if (type === 'AWS::Serverless::Function' || type === 'AWS::Serverless::StateMachine') {
      if (r.chance(0.5)) p.Environment = environment();
      if (r.chance(gentle ? 0.2 : 0.5)) p.Events = events();
      if (gentle && r.chance(0.5)) {
        p.Role = r.pick<unknown>([
          { 'Fn::GetAtt': ['SharedRole', 'Arn'] },
          { 'Fn::GetAtt': 'SharedRole.Arn' },
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string
          { 'Fn::Sub': '${SharedRole.Arn}' },
          { Ref: 'SharedRole' },
        ]);
      } else if (r.chance(0.3))
        p.Role = r.chance(0.7) ? intrinsic() : r.pick(['arn:aws:iam::123456789012:role/x', 5, null]);
      if (r.chance(0.3))
        p.Policies = r.pick<unknown>(['AWSLambdaBasicExecutionRole', [], [value(2)], { Statement: [] }, intrinsic()]);
    } else if (type === 'AWS::ECS::TaskDefinition') {
      const role = () =>
        r.pick<unknown>([
          { 'Fn::GetAtt': ['SharedRole', 'Arn'] },
          { 'Fn::GetAtt': 'SharedRole.Arn' },
          { Ref: 'TaskRole' },
          'arn:aws:iam::123456789012:role/x',
          intrinsic(),
        ]);
      if (r.chance(0.8)) p.TaskRoleArn = role();
      if (r.chance(0.5)) p.ExecutionRoleArn = role();
      p.ContainerDefinitions = maybe(() =>
        Array.from({ length: 1 + r.int(2) }, (_, i) => ({
          Name: r.chance(0.9) ? `c${i}` : { Ref: 'N' },
          ...(r.chance(0.3) ? { Essential: r.pick([true, false, 'false']) } : {}),
          ...(r.chance(0.4)
            ? { Environment: maybe(() => [{ Name: r.pick(['ALERTS', 'LOG', 'ECS_AGENT_URI']), Value: 'x' }]) }
            : {}),
        })),
      );
    } else if (type === 'AWS::Scheduler::Schedule') {
      p.ScheduleExpression = r.chance(0.7) ? r.pick(EXPRESSIONS) : { Ref: 'Expr' };
      if (r.chance(0.5)) p.ScheduleExpressionTimezone = r.pick(ZONES);
      p.Target = maybe(() => ({
        Input: r.chance(0.7) ? r.pick(INPUTS) : { Ref: 'Payload' },
        ...(r.chance(0.4)
          ? { EcsParameters: { TaskDefinitionArn: { Ref: r.pick(['Job', 'Other', 'Task', 'constructor']) } } }
          : {}),
      }));
    } else if (type === 'AWS::Events::Rule') {
      if (r.chance(0.7)) p.ScheduleExpression = r.pick(EXPRESSIONS);
      p.Targets = maybe(() => [{ Id: 'T', Input: r.chance(0.5) ? r.pick(INPUTS) : { Ref: 'Payload' } }, value(1)]);
    } else if (type === 'AWS::IAM::Role') {
      if (r.chance(0.7))
        p.Policies = maybe(() => (r.chance(0.2) ? [{ PolicyName: 'CloudCronSnsPublish' }] : [value(1)]));
    } else {
      define(p, r.pick(HOSTILE_KEYS), value(3));
    }
    return p;
  }

  function resource(): unknown {
    if (!gentle && r.chance(0.05)) return r.pick<unknown>([null, 'x', 5, [], true]);
    const type = gentle
      ? r.pick([
          'AWS::Serverless::Function',
          'AWS::Serverless::Function',
          'AWS::ECS::TaskDefinition',
          'AWS::Events::Rule',
          'AWS::S3::Bucket',
        ])
      : r.chance(0.95)
        ? r.pick(TYPES)
        : r.pick<unknown>([undefined, 5, ['x'], '']);
    const res: Record<string, unknown> = {};
    if (type !== undefined) res.Type = type;
    if (gentle || r.chance(0.95)) {
      res.Properties =
        gentle || r.chance(0.9)
          ? properties(String(type))
          : r.pick<unknown>([null, 'x', 5, [], { 'Fn::If': ['C', {}, {}] }]);
    }
    if (type === 'AWS::Scheduler::Schedule' && r.chance(0.3)) {
      res.Metadata = { CloudCron: { TaskPayload: r.pick<unknown>([true, 'true', 'yes', {}]) } };
    } else if (r.chance(gentle ? 0.15 : 0.3)) {
      const mark = gentle
        ? r.pick<unknown>([{}, { SnsTopicsParameter: 'OtherTopics' }])
        : r.pick<unknown>([
            {},
            { SnsTopicsParameter: r.pick(['OtherTopics', 'constructor', 'Missing', 5]) },
            null,
            true,
          ]);
      res.Metadata = gentle || r.chance(0.85) ? { CloudCron: mark } : r.pick<unknown>(['x', 5, [], null]);
    }
    return res;
  }

  function map(): unknown {
    if (gentle && r.chance(0.9)) {
      const names = ['ALERTS', 'REPORTS', 'constructor', 'TZ', 'AWS_XRAY_DAEMON_ADDRESS', 'Audit_2'];
      const picked = names.filter(() => r.chance(0.5));
      return picked.map((n) => `${n}=${ARN(n.toLowerCase(), r.pick(['123456789012', '210987654321']))}`).join(',');
    }
    const entries = Array.from({ length: r.int(5) }, () => [
      r.pick([
        'ALERTS',
        'REPORTS',
        'constructor',
        '__proto__',
        'A\\u004cERTS',
        'AWS_REGION',
        'AWS_XRAY_DAEMON_ADDRESS',
        'TZ',
        '1X',
        '',
        'Ünï',
      ]),
      r.pick([ARN('alerts'), ARN('reports'), ARN('x.fifo'), 'arn:aws:sqs:us-east-1:123456789012:q', '', 'nope']),
    ]);
    switch (r.int(7)) {
      case 0:
        return '';
      case 1:
        return `{${entries.map(([k, v]) => `"${k}": "${v}"`).join(', ')}}`;
      case 2:
        return `{${entries.map(([k, v]) => `"${k}": ${r.pick([`"${v}"`, '5', 'null', '[1]', '{"a": {"b": "c"}}'])}`).join(',')}`;
      case 3:
        return r.pick<unknown>([5, ['a', 'b'], null, { a: 1 }, '[]', '{', 'A=B=C', ',,,']);
      default:
        return entries.map(([k, v]) => `${k.replace(/\\/g, '')}=${v}`).join(r.pick([',', '\n', ' , ', '\r\n']));
    }
  }

  function deep(levels: number): unknown {
    let v: unknown = 'x';
    for (let i = 0; i < levels; i += 1) v = r.chance(0.5) ? [v] : { K: v };
    return v;
  }

  /** One macro request. */
  function request(i: number): Record<string, unknown> {
    gentle = r.chance(0.5);
    const resources: Record<string, unknown> = {};
    for (let n = 1 + r.int(5); n > 0; n -= 1) define(resources, name(), resource());
    if (gentle && r.chance(0.7)) {
      // A role of the template that several functions may name, in each of the forms CloudFormation accepts.
      define(resources, 'SharedRole', { Type: 'AWS::IAM::Role', Properties: { Policies: [] } });
      if (r.chance(0.4)) {
        // An ECS task on its own task role, run by a schedule whose payload becomes the task override.
        define(resources, 'TaskRole', { Type: 'AWS::IAM::Role', Properties: {} });
        define(resources, 'Task', {
          Type: 'AWS::ECS::TaskDefinition',
          Properties: { TaskRoleArn: { Ref: 'TaskRole' }, ContainerDefinitions: [{ Name: 'job', Image: 'x' }] },
        });
        define(resources, 'TaskSchedule', {
          Type: 'AWS::Scheduler::Schedule',
          Metadata: { CloudCron: { TaskPayload: true } },
          Properties: {
            ScheduleExpression: 'rate(1 hour)',
            FlexibleTimeWindow: { Mode: 'OFF' },
            Target: {
              Arn: 'c',
              RoleArn: 'r',
              Input: r.pick(INPUTS),
              EcsParameters: { TaskDefinitionArn: { Ref: 'Task' } },
            },
          },
        });
      }
    }
    if (r.chance(gentle ? 0.03 : 0.1))
      define(resources, 'Fn::ForEach::Loop', ['X', ['a', 'b'], { '${X}Fn': resource() }]);
    if (r.chance(0.02))
      define(resources, 'Deep', { Type: 'AWS::S3::Bucket', Properties: { Tags: deep(r.pick([50, 1200, 5000])) } });
    const parameters: Record<string, unknown> = {};
    if (gentle || r.chance(0.75))
      parameters.SnsTopics = {
        Type: 'String',
        Default: r.chance(0.5) ? '' : map(),
        ...(r.chance(0.2) ? { NoEcho: true } : {}),
      };
    if (gentle || r.chance(0.3)) parameters.OtherTopics = { Type: 'String' };
    if (r.chance(0.5)) parameters.Expr = { Type: 'String', Default: r.pick(EXPRESSIONS) };
    if (r.chance(0.3)) parameters.Zone = { Type: 'String', Default: r.pick(ZONES) };
    if (r.chance(0.3))
      parameters.Payload = { Type: 'String', Default: r.pick(INPUTS), ...(r.chance(0.3) ? { NoEcho: true } : {}) };
    if (!gentle && r.chance(0.05)) define(parameters, r.pick(HOSTILE_KEYS), value(1));
    const fragment: Record<string, unknown> =
      gentle || r.chance(0.97) ? { Resources: resources } : { Resources: r.pick<unknown>([null, [], 'x']) };
    if (gentle || r.chance(0.9)) fragment.Parameters = parameters;
    if (r.chance(gentle ? 0.15 : 0.3))
      fragment.Globals = maybe(() => ({ Function: maybe(() => ({ Environment: environment() })) }));
    const values: Record<string, unknown> = {};
    if (gentle || r.chance(0.7)) values.SnsTopics = map();
    if (r.chance(0.2)) values.OtherTopics = map();
    if (r.chance(0.3)) values.Expr = r.pick(EXPRESSIONS);
    const event: Record<string, unknown> = {
      region: 'us-east-1',
      accountId: '123456789012',
      transformId: gentle || r.chance(0.9) ? '123456789012::CloudCron' : r.pick<unknown>([5, '', 'x::y::Z', null]),
      params: {},
      fragment: gentle || r.chance(0.98) ? fragment : r.pick<unknown>([null, 5, 'x', []]),
      templateParameterValues: gentle || r.chance(0.97) ? values : r.pick<unknown>([null, 'x', [], 5]),
    };
    if (r.chance(0.95)) event.requestId = `req-${seed}-${i}`;
    return event;
  }

  return { request };
}

/**
 * A canonical text of a JSON-like value, made without recursion (templates in these tests nest thousands of levels):
 * keys in order, `-0` told apart from `0`, `__proto__` keys seen as keys.
 */
class Key {
  constructor(readonly name: string) {}
}

export function fingerprint(value: unknown): string {
  const out: string[] = [];
  const stack: unknown[] = [value];
  const CLOSE = { close: true };
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === CLOSE) {
      out.push(')');
      continue;
    }
    if (v instanceof Key) {
      out.push(`${JSON.stringify(v.name)}:`);
      continue;
    }
    if (typeof v === 'number') out.push(Object.is(v, -0) ? '-0' : String(v));
    else if (typeof v !== 'object' || v === null) out.push(JSON.stringify(v) ?? String(v));
    else if (Array.isArray(v)) {
      out.push('[');
      stack.push(CLOSE);
      for (let i = v.length - 1; i >= 0; i -= 1) stack.push(v[i]);
    } else {
      out.push('{');
      stack.push(CLOSE);
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i -= 1) {
        stack.push(entries[i][1]);
        stack.push(new Key(entries[i][0]));
      }
    }
  }
  return out.join(' ');
}
