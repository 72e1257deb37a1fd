/**
 * Which resources get topic variables and publish rights, and the loop that gives them. What a variable and a grant
 * look like depends on the kind of resource: each kind (function-target.ts for AWS::Serverless::Function) says
 * where its variables live and where its permissions go; choosing targets, reading maps, recording the map and
 * granting through shared roles are the same for every kind (task-definition.ts is the second kind). A new kind is
 * one more entry in TARGET_KINDS.
 *
 * Which resources are targeted: every resource of a target kind, unless at least one carries
 * `Metadata: { CloudCron: ... }`; then only those. `Metadata.CloudCron.SnsTopicsParameter` names another parameter
 * holding that resource's map (default `SnsTopics`).
 */
import { MacroError } from './errors';
import { checkLoops, loopResources } from './foreach';
import type { Fragment } from './fragment';
import { functionKind } from './function-target';
import { kindOf as describeKind, isObject, type Json, own, ownMap, setOwn } from './json';
import { RoleGrants } from './roles';
import { type MapOptions, parseSnsTopics, type TopicEntry } from './sns-topics';
import { taskDefinitionKind } from './task-definition';

export const DEFAULT_MAP_PARAMETER = 'SnsTopics';

export type Target = { id: string; resource: Json; kind: TargetKind; mapParameter: string };

/** The map a target gets, and how refusals about it must speak (a NoEcho map is never quoted). */
export type TopicMap = { parameter: string; topics: TopicEntry[]; noEcho: boolean };

export type ApplyContext = { fragment: Fragment; roles: RoleGrants };

/** One kind of resource the macro gives topics to. */
export interface TargetKind {
  /** The CloudFormation type. */
  readonly type: string;
  /**
   * Adds one variable per topic, or refuses (a name already taken, a size limit, variables it cannot read). The
   * macro works on a copy, so a refusal after some changes leaves nothing behind.
   */
  addVariables(target: Target, map: TopicMap, ctx: ApplyContext): void;
  /** Grants sns:Publish on the topics: in the resource's own policies, or through `ctx.roles` for a role of the template. */
  grant(target: Target, map: TopicMap, ctx: ApplyContext): void;
}

export const TARGET_KINDS: readonly TargetKind[] = [functionKind, taskDefinitionKind];

const kindOf = (type: unknown) => TARGET_KINDS.find((k) => k.type === type);

/** Whether a resource carries the CloudCron mark. */
export const isMarked = (res: unknown) => own(ownMap(res, 'Metadata'), 'CloudCron') !== undefined;

/** The parameter holding a resource's map: Metadata.CloudCron.SnsTopicsParameter, else SnsTopics. */
export function mapParameterOf(fragment: Fragment, id: string, res: unknown): string {
  const meta = own(ownMap(res, 'Metadata'), 'CloudCron');
  const named = own(meta, 'SnsTopicsParameter');
  if (named === undefined) return DEFAULT_MAP_PARAMETER;
  if (typeof named !== 'string' || !fragment.hasParameter(named)) {
    throw new MacroError(
      `${id}: Metadata.CloudCron.SnsTopicsParameter must name a parameter of this template, got ${typeof named === 'object' && named !== null ? describeKind(named) : JSON.stringify(named)}`,
    );
  }
  return named;
}

/** Whether any resource of a target kind carries the mark, those inside Fn::ForEach loops included. */
function anyMarked(fragment: Fragment): boolean {
  const all = [...fragment.resources().map(([, r]) => r), ...loopResources(fragment).map((l) => l.resource)];
  return all.some((r) => kindOf(own(r, 'Type')) !== undefined && isMarked(r));
}

export function targets(fragment: Fragment): Target[] {
  const onlyMarked = anyMarked(fragment);
  return fragment
    .resources()
    .filter(([, r]) => kindOf(own(r, 'Type')) !== undefined && (!onlyMarked || isMarked(r)))
    .map(([id, r]) => ({
      id,
      resource: r as Json,
      kind: kindOf(own(r, 'Type')) as TargetKind,
      mapParameter: mapParameterOf(fragment, id, r),
    }));
}

/** Refuses Fn::ForEach loops that hold a target with topics or a schedule (see foreach.ts). */
export function checkTargetLoops(fragment: Fragment, maps: Maps): void {
  const onlyMarked = anyMarked(fragment);
  checkLoops(fragment, (id, res) => {
    if (kindOf(own(res, 'Type')) === undefined || (onlyMarked && !isMarked(res))) return false;
    return maps.get(mapParameterOf(fragment, id, res)).topics.length > 0;
  });
}

/** Reads and parses the map in a parameter (memoised per parameter). */
export class Maps {
  private readonly cache = new Map<string, TopicMap>();
  constructor(private readonly fragment: Fragment) {}

  get(parameter: string): TopicMap {
    const known = this.cache.get(parameter);
    if (known) return known;
    const raw = this.fragment.parameterValue(parameter);
    if (raw !== undefined && typeof raw !== 'string') {
      throw new MacroError(`parameter ${parameter} must be a String holding NAME=arn entries`);
    }
    const noEcho = this.fragment.isNoEcho(parameter);
    const options: MapOptions = { parameter, noEcho };
    const map = { parameter, topics: parseSnsTopics(raw, options), noEcho };
    this.cache.set(parameter, map);
    return map;
  }
}

/**
 * Records on the resource which parameter its topic variables came from, as `AppliedSnsTopics: !Ref <parameter>`.
 * This keeps a reference to the parameter in the processed template, which would otherwise look unused (cfn-lint
 * W2001). A NoEcho parameter is not recorded: CloudFormation does not mask resource Metadata (cfn-lint W2010).
 */
function recordMap(fragment: Fragment, target: Target, map: TopicMap): void {
  if (!fragment.hasParameter(target.mapParameter) || map.noEcho) return;
  const meta = ownMap(target.resource, 'Metadata') ?? {};
  const mark = own(meta, 'CloudCron');
  const record: Json = {};
  if (isObject(mark)) for (const [k, v] of Object.entries(mark)) setOwn(record, k, v);
  record.AppliedSnsTopics = { Ref: target.mapParameter };
  meta.CloudCron = record;
  target.resource.Metadata = meta;
}

/** Gives every target its variables and publish rights. */
export function applyTopics(fragment: Fragment, reader: Maps): void {
  const maps = new Map<Target, TopicMap>();
  const chosen = targets(fragment);
  for (const target of chosen) maps.set(target, reader.get(target.mapParameter));
  const ctx: ApplyContext = { fragment, roles: new RoleGrants() };
  for (const target of chosen) {
    const map = maps.get(target) as TopicMap;
    recordMap(fragment, target, map);
    if (map.topics.length === 0) continue;
    target.kind.addVariables(target, map, ctx);
    target.kind.grant(target, map, ctx);
  }
  ctx.roles.apply(fragment);
}
