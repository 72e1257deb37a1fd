/**
 * Why an SNS subscription filter policy lets a message through or drops it, in words: `npm start` uses it to say
 * which subscription dropped a message and why. The emulator (moto) does the filtering itself; this only explains.
 * Covers what SNS documents for both scopes: exact strings and numbers, prefix, suffix, equals-ignore-case,
 * anything-but (values or a prefix), numeric ranges, exists, and $or.
 */

export type FilterScope = 'MessageAttributes' | 'MessageBody';
export type SnsAttributes = Record<string, { Type: string; Value: string }>;
export type FilterVerdict = { matches: true } | { matches: false; reason: string };

type Values = unknown[] | undefined;

const show = (v: unknown) => JSON.stringify(v);

function numericHolds(conds: unknown[], n: number): boolean {
  for (let i = 0; i + 1 < conds.length; i += 2) {
    const [op, bound] = [conds[i], Number(conds[i + 1])];
    const ok =
      op === '='
        ? n === bound
        : op === '<'
          ? n < bound
          : op === '<='
            ? n <= bound
            : op === '>'
              ? n > bound
              : n >= bound;
    if (!ok) return false;
  }
  return true;
}

/** Whether one condition of a key's list accepts one present value. */
function accepts(cond: unknown, value: unknown): boolean {
  if (cond === null || typeof cond !== 'object') {
    if (typeof cond === 'number') return Number(value) === cond;
    return value === cond;
  }
  const [op, arg] = Object.entries(cond as Record<string, unknown>)[0] ?? [];
  const s = String(value);
  switch (op) {
    case 'prefix':
      return typeof value === 'string' && s.startsWith(String(arg));
    case 'suffix':
      return typeof value === 'string' && s.endsWith(String(arg));
    case 'equals-ignore-case':
      return typeof value === 'string' && s.toLowerCase() === String(arg).toLowerCase();
    case 'numeric':
      return typeof value === 'number' && numericHolds(arg as unknown[], value);
    case 'anything-but': {
      if (arg && typeof arg === 'object' && !Array.isArray(arg)) return !accepts(arg, value);
      return !(Array.isArray(arg) ? arg : [arg]).some((a) => accepts(a, value));
    }
    default:
      throw new Error(`operator ${op}`);
  }
}

function describe(conds: unknown[]): string {
  return conds.length === 1 ? show(conds[0]) : `one of ${conds.map(show).join(', ')}`;
}

/** Checks one key: `values` are the message's values for it (undefined when absent). */
function checkKey(path: string, conds: unknown[], values: Values): string | undefined {
  const existsCond = conds.find((c) => c && typeof c === 'object' && 'exists' in (c as object)) as
    | { exists: boolean }
    | undefined;
  if (values === undefined) {
    if (existsCond && existsCond.exists === false) return undefined;
    return `${path} is missing; the policy wants ${describe(conds)}`;
  }
  if (existsCond?.exists === true) return undefined;
  const others = conds.filter((c) => c !== existsCond);
  if (others.length === 0) return `${path} is present; the policy wants it absent`;
  if (values.some((v) => others.some((c) => accepts(c, v)))) return undefined;
  const got = values.length === 1 ? show(values[0]) : `[${values.map(show).join(', ')}]`;
  return `${path} is ${got}; the policy wants ${describe(others)}`;
}

function attributeValues(attributes: SnsAttributes, name: string): Values {
  const a = attributes[name];
  if (!a) return undefined;
  if (a.Type === 'Number') return [Number(a.Value)];
  if (a.Type === 'String.Array') {
    try {
      const list = JSON.parse(a.Value) as unknown;
      return Array.isArray(list) ? list : [a.Value];
    } catch {
      return [a.Value];
    }
  }
  if (a.Type === 'Binary') return undefined;
  return [a.Value];
}

/** The reason the policy refuses, or undefined when it accepts. */
function check(
  policy: Record<string, unknown>,
  lookup: (path: string[]) => Values,
  prefix: string[],
  what: string,
): string | undefined {
  for (const [key, rule] of Object.entries(policy)) {
    if (key === '$or') {
      const reasons = (rule as Record<string, unknown>[]).map((p) => check(p, lookup, prefix, what));
      if (reasons.every((r) => r !== undefined)) return `no alternative of $or matches (${reasons.join('; ')})`;
      continue;
    }
    const path = [...prefix, key];
    const reason = Array.isArray(rule)
      ? checkKey(`${what} ${path.join('.')}`, rule, lookup(path))
      : check(rule as Record<string, unknown>, lookup, path, what);
    if (reason) return reason;
  }
  return undefined;
}

export function explainFilterPolicy(
  policyText: string,
  scope: FilterScope,
  message: { attributes: SnsAttributes; body: string },
): FilterVerdict {
  if (policyText.trim() === '') return { matches: true };
  const policy = JSON.parse(policyText) as Record<string, unknown>;
  try {
    let reason: string | undefined;
    if (scope === 'MessageAttributes') {
      reason = check(policy, ([name]) => attributeValues(message.attributes, name), [], 'attribute');
    } else {
      let body: unknown;
      try {
        body = JSON.parse(message.body);
      } catch {
        return { matches: false, reason: 'the policy matches the message body, and the body is not JSON' };
      }
      const lookup = (path: string[]): Values => {
        let v: unknown = body;
        for (const p of path) {
          if (!v || typeof v !== 'object' || !(p in (v as object))) return undefined;
          v = (v as Record<string, unknown>)[p];
        }
        return Array.isArray(v) ? v : [v];
      };
      reason = check(policy, lookup, [], 'body field');
    }
    return reason === undefined ? { matches: true } : { matches: false, reason };
  } catch (e) {
    return { matches: false, reason: `the policy uses ${(e as Error).message}, which this explanation does not cover` };
  }
}
