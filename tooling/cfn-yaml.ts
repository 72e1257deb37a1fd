/**
 * Reads CloudFormation YAML (with its short-form tags such as `!Ref` and `!Sub`) into the same JSON
 * shape CloudFormation hands to a macro, and writes templates back as JSON.
 */
import { readFileSync } from 'node:fs';
import { parse, type Tags } from 'yaml';
import type { Template } from '../functions/common/template';

const FUNCTIONS = [
  'Base64',
  'Cidr',
  'Equals',
  'FindInMap',
  'GetAZs',
  'If',
  'ImportValue',
  'Join',
  'Not',
  'And',
  'Or',
  'Select',
  'Split',
  'Sub',
  'Transform',
  'ToJsonString',
  'Length',
] as const;

function intrinsicTags(): Tags {
  const tags: Tags = [];
  const kinds = ['scalar', 'seq', 'map'] as const;
  for (const kind of kinds) {
    tags.push({
      tag: '!Ref',
      collection: kind === 'scalar' ? undefined : kind,
      resolve: (v: unknown) => ({ Ref: v }),
    } as never);
    tags.push({
      tag: '!Condition',
      collection: kind === 'scalar' ? undefined : kind,
      resolve: (v: unknown) => ({ Condition: v }),
    } as never);
    tags.push({
      tag: '!GetAtt',
      collection: kind === 'scalar' ? undefined : kind,
      resolve: (v: unknown) => {
        if (typeof v === 'string') {
          const dot = v.indexOf('.');
          return { 'Fn::GetAtt': [v.slice(0, dot), v.slice(dot + 1)] };
        }
        return { 'Fn::GetAtt': toJs(v) };
      },
    } as never);
    for (const name of FUNCTIONS) {
      tags.push({
        tag: `!${name}`,
        collection: kind === 'scalar' ? undefined : kind,
        resolve: (v: unknown) => ({ [`Fn::${name}`]: toJs(v) }),
      } as never);
    }
  }
  return tags;
}

function toJs(v: unknown): unknown {
  if (v && typeof v === 'object' && 'toJSON' in v && typeof (v as { toJSON: unknown }).toJSON === 'function') {
    return (v as { toJSON: () => unknown }).toJSON();
  }
  return v;
}

const CUSTOM_TAGS = intrinsicTags();

export type { Template, TemplateParameter, TemplateResource } from '../functions/common/template';

/** Parses CloudFormation YAML or JSON text into a plain object. */
export function parseTemplate(text: string): Template {
  const doc = parse(text, { customTags: CUSTOM_TAGS, schema: 'core', merge: false, version: '1.2', maxAliasCount: -1 });
  if (!doc || typeof doc !== 'object' || !('Resources' in doc)) {
    throw new Error('not a CloudFormation template: it has no Resources section');
  }
  return doc as Template;
}

/** Reads a template file (YAML or JSON). */
export function loadTemplate(path: string): Template {
  return parseTemplate(readFileSync(path, 'utf8'));
}
