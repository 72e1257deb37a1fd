/**
 * Safe handling of the JSON CloudFormation hands the macro. Every key a template or a map can hold is data, never
 * a property of Object.prototype: lookups go through `own()` (an own-property check), and copies define `__proto__`
 * as an ordinary key. Nothing here recurses, so a template nested thousands of levels deep cannot overflow the stack.
 */
import { MacroError } from './errors';

export type Json = Record<string, unknown>;

/** How deep a template may nest: far beyond any real template, and well inside what JSON.stringify can serialize. */
export const MAX_DEPTH = 1000;

/** A map (a JSON object), not a list, not null. */
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `{ "Ref": ... }` or `{ "Fn::...": ... }`: one key, an intrinsic function (an `Fn::ForEach::` loop is a key, not one). */
export function isIntrinsic(v: unknown): boolean {
  if (!isObject(v)) return false;
  const keys = Object.keys(v);
  return (
    keys.length === 1 && (keys[0] === 'Ref' || (keys[0].startsWith('Fn::') && !keys[0].startsWith('Fn::ForEach::')))
  );
}

/** The value of an own property, or undefined: `own({}, 'constructor')` is undefined. */
export function own(map: unknown, key: string): unknown {
  return isObject(map) && Object.hasOwn(map, key) ? map[key] : undefined;
}

/** `own()` narrowed to a map. */
export function ownMap(map: unknown, key: string): Json | undefined {
  const v = own(map, key);
  return isObject(v) ? v : undefined;
}

/** Sets a key as an own data property, `__proto__` included. */
export function setOwn(map: Json, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
  else map[key] = value;
}

/** What a value is, in words, for messages: "a list", "a string", "null". */
export function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'number') return 'a number';
  if (typeof v === 'boolean') return 'a boolean';
  return typeof v;
}

type Frame = { src: unknown; dst: Json | unknown[]; depth: number; path: string };

const child = (path: string, key: string | number) =>
  typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;

/**
 * A deep copy of a JSON value (maps, lists, strings, numbers, booleans, null), made without recursion.
 * Refuses values nested deeper than MAX_DEPTH with the path where it happens, so a hostile or broken template gets
 * a message rather than a stack overflow.
 */
export function cloneJson<T>(value: T, where = ''): T {
  if (typeof value !== 'object' || value === null) return value;
  const root: Json | unknown[] = Array.isArray(value) ? [] : {};
  const stack: Frame[] = [{ src: value, dst: root, depth: 1, path: where }];
  while (stack.length > 0) {
    const { src, dst, depth, path } = stack.pop() as Frame;
    if (depth > MAX_DEPTH) {
      const shown = path.length > 120 ? `${path.slice(0, 100)}…` : path;
      throw new MacroError(
        `${shown || 'the template'} nests more than ${MAX_DEPTH} levels deep: no real template does; check how it was generated`,
      );
    }
    const entries: [string | number, unknown][] = Array.isArray(src)
      ? src.map((v, i) => [i, v])
      : Object.entries(src as Json);
    for (const [key, v] of entries) {
      let copy: unknown = v;
      if (typeof v === 'object' && v !== null) {
        copy = Array.isArray(v) ? [] : {};
        stack.push({ src: v, dst: copy as Json | unknown[], depth: depth + 1, path: child(path, key) });
      }
      if (Array.isArray(dst)) dst.push(copy);
      else setOwn(dst, key as string, copy);
    }
  }
  return root as T;
}

/** Whether a value nests deeper than `limit` levels (without recursion). */
export function deeperThan(value: unknown, limit = MAX_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (typeof v !== 'object' || v === null) continue;
    if (depth + 1 > limit) return true;
    for (const c of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof c === 'object' && c !== null) stack.push([c, depth + 1]);
    }
  }
  return false;
}
