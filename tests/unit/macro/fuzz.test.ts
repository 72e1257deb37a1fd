/**
 * Property test of the macro handler on seeded, generated hostile requests (tests/unit/macro/hostile.ts): always a
 * well-formed macro response, never an exception, never an internal error, the input never modified, nothing
 * changed when there is no map to apply, and running the macro on its own output changes nothing more.
 */
import type { MacroEvent, MacroResponse } from '../../../functions/macro/index';
import { fingerprint, generator } from './hostile';

// Quiet: several hundred requests, each logged by the handler.
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
const { handler } = require('../../../functions/macro/index') as typeof import('../../../functions/macro/index');

const SEEDS = [17, 1700, 424242];
const PER_SEED = 150;

type Case = { seed: number; i: number; event: Record<string, unknown> };
const cases: Case[] = SEEDS.flatMap((seed) => {
  const g = generator(seed);
  return Array.from({ length: PER_SEED }, (_, i) => ({ seed, i, event: g.request(i) }));
});

const results: { c: Case; before: string; response: MacroResponse; after: string }[] = [];

beforeAll(async () => {
  for (const c of cases) {
    const before = fingerprint(c.event);
    const response = await handler(c.event as unknown as MacroEvent);
    results.push({ c, before, response, after: fingerprint(c.event) });
  }
});

test('the generator is deterministic and covers both outcomes', () => {
  expect(fingerprint(generator(17).request(0))).toBe(fingerprint(generator(17).request(0)));
  const statuses = new Set(results.map((r) => r.response.status));
  expect(statuses).toEqual(new Set(['success', 'failure']));
  // Enough of each to mean something.
  expect(results.filter((r) => r.response.status === 'success').length).toBeGreaterThan(40);
  expect(results.filter((r) => r.response.status === 'failure').length).toBeGreaterThan(40);
});

test('every response is a well-formed macro response that the runtime can serialize', () => {
  const bad: string[] = [];
  for (const { c, response } of results) {
    const where = `seed ${c.seed} #${c.i}`;
    const status: string = response.status;
    if (status !== 'success' && status !== 'failure') bad.push(`${where}: status ${status}`);
    if (typeof response.fragment !== 'object' || response.fragment === null || Array.isArray(response.fragment))
      bad.push(`${where}: fragment is not a map`);
    if (Object.hasOwn(c.event, 'requestId') && response.requestId !== c.event.requestId)
      bad.push(`${where}: requestId`);
    if (response.status === 'failure') {
      if (typeof response.errorMessage !== 'string' || response.errorMessage.length < 10)
        bad.push(`${where}: errorMessage ${JSON.stringify(response.errorMessage)}`);
      if (/internal error/.test(response.errorMessage)) bad.push(`${where}: ${response.errorMessage}`);
    }
    try {
      JSON.stringify(response);
    } catch (e) {
      bad.push(`${where}: not serializable (${(e as Error).message})`);
    }
  }
  expect(bad).toEqual([]);
});

test('the request is never modified', () => {
  expect(results.filter((r) => r.before !== r.after).map((r) => `seed ${r.c.seed} #${r.c.i}`)).toEqual([]);
});

test('without a map to apply, a template that passes comes back exactly as it was', async () => {
  // Each request again without its Parameters (so no SnsTopics): what the macro accepts, it must return unchanged.
  let checked = 0;
  const changed: string[] = [];
  for (const { c } of results) {
    const fragment = c.event.fragment;
    if (!fragment || typeof fragment !== 'object' || Array.isArray(fragment)) continue;
    const { Parameters: _dropped, ...bare } = fragment as Record<string, unknown>;
    const response = await handler({ ...c.event, fragment: bare } as unknown as MacroEvent);
    if (response.status !== 'success' || fingerprint(bare).includes('"TaskPayload"')) continue;
    checked += 1;
    if (fingerprint(response.fragment) !== fingerprint(bare)) changed.push(`seed ${c.seed} #${c.i}`);
  }
  expect(changed).toEqual([]);
  expect(checked).toBeGreaterThan(50);
});

type Res = { Type?: string; Properties?: Record<string, unknown> };
const resourcesOf = (f: unknown) =>
  Object.entries(((f as { Resources?: Record<string, Res> })?.Resources ?? {}) as Record<string, Res>);
const variablesOf = (r: Res | undefined) =>
  ((r?.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}) as Record<
    string,
    unknown
  >;
/** The variables of every container of a task definition, as one map. */
const containerVariablesOf = (r: Res | undefined) => {
  const vars: Record<string, unknown> = {};
  const containers = r?.Properties?.ContainerDefinitions;
  for (const c of Array.isArray(containers) ? containers : []) {
    const env = (c as { Environment?: unknown })?.Environment;
    for (const e of Array.isArray(env) ? env : []) {
      const { Name, Value } = (e ?? {}) as { Name?: unknown; Value?: unknown };
      if (typeof Name === 'string') vars[Name] = Value;
    }
  }
  return vars;
};
type Statement = { Effect?: string; Action?: unknown; Resource?: unknown };
const statementsOf = (doc: unknown): Statement[] => (doc as { Statement?: Statement[] } | undefined)?.Statement ?? [];

test('every variable the macro adds comes with sns:Publish on its topic, and never on "*"', () => {
  const bad: string[] = [];
  let granted = 0;
  for (const { c, response } of results) {
    if (response.status !== 'success') continue;
    const before = new Map(resourcesOf(c.event.fragment));
    const out = resourcesOf(response.fragment);
    if (/"sns:Publish"[^\]]*"Resource":"\*"/.test(JSON.stringify(response.fragment)))
      bad.push(`${c.seed} #${c.i}: "*"`);
    for (const [id, res] of out) {
      const task = res?.Type === 'AWS::ECS::TaskDefinition';
      if (res?.Type !== 'AWS::Serverless::Function' && !task) continue;
      const names = task ? containerVariablesOf : variablesOf;
      const old = names(before.get(id));
      const added = Object.entries(names(res))
        .filter(([k]) => !Object.hasOwn(old, k))
        .map(([, v]) => v);
      if (added.length === 0) continue;
      granted += 1;
      const policies = task ? undefined : res.Properties?.Policies;
      const own = Array.isArray(policies) ? policies.flatMap((p) => statementsOf(p)) : [];
      const roleText = JSON.stringify((task ? res.Properties?.TaskRoleArn : res.Properties?.Role) ?? null);
      const viaRole = out
        .filter(([rid, r]) => r?.Type === 'AWS::IAM::Role' && roleText.includes(rid))
        .flatMap(([, r]) => (r.Properties?.Policies ?? []) as { PolicyName?: string; PolicyDocument?: unknown }[])
        .filter((p) => p?.PolicyName === 'CloudCronSnsPublish')
        .flatMap((p) => statementsOf(p.PolicyDocument));
      const covered = [...own, ...viaRole].some(
        (s) =>
          s.Action === 'sns:Publish' &&
          Array.isArray(s.Resource) &&
          added.every((a) => (s.Resource as unknown[]).includes(a)),
      );
      if (!covered) bad.push(`seed ${c.seed} #${c.i} ${id}: no grant for ${added.join(', ')}`);
    }
  }
  expect(bad).toEqual([]);
  expect(granted).toBeGreaterThan(25);
});

/** The fragment without the Target.Input of schedules whose payload the macro rewrites (TaskPayload), a rewrite by design. */
function withoutTaskPayloads(fragment: unknown): unknown {
  const copy = structuredClone(fragment) as { Resources?: Record<string, Res & { Metadata?: unknown }> };
  for (const [, res] of Object.entries(copy?.Resources ?? {})) {
    const mark = (res?.Metadata as { CloudCron?: { TaskPayload?: unknown } } | undefined)?.CloudCron;
    const target = res?.Properties?.Target as Record<string, unknown> | undefined;
    if (res?.Type === 'AWS::Scheduler::Schedule' && mark?.TaskPayload !== undefined && target) delete target.Input;
  }
  return copy;
}

test('on its own output the macro changes nothing more (but payloads it rewrites by design), or refuses because of what it added', async () => {
  const bad: string[] = [];
  for (const { c, response } of results) {
    if (response.status !== 'success') continue;
    const again = await handler({ ...c.event, fragment: response.fragment } as unknown as MacroEvent);
    if (again.status === 'success') {
      const same =
        fingerprint(withoutTaskPayloads(again.fragment)) === fingerprint(withoutTaskPayloads(response.fragment));
      if (!same) bad.push(`seed ${c.seed} #${c.i}: changed again`);
    } else if (!/already defines|already has a policy named CloudCronSnsPublish/.test(again.errorMessage)) {
      bad.push(`seed ${c.seed} #${c.i}: ${again.errorMessage}`);
    }
  }
  expect(bad).toEqual([]);
});
