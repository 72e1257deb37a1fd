/**
 * Reading Terraform configuration without Terraform: every `.tf` file of a folder parsed by HashiCorp's own HCL parser
 * (@cdktf/hcl2json, a WebAssembly build of the Go parser Terraform uses) into one model of its variables, locals,
 * resources, data sources, module calls and outputs, with the references and function calls of every expression.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getExpressionAst, getReferencesInExpression, parse } from '@cdktf/hcl2json';

type Body = Record<string, unknown>;

export type Variable = {
  file: string;
  type?: string;
  description?: string;
  hasDefault: boolean;
  default?: unknown;
  nullable?: boolean;
  sensitive?: boolean;
  validations: { condition: string; error_message: string }[];
};

export type Block = { file: string; body: Body };

export type TerraformConfig = {
  dir: string;
  files: string[];
  variables: Record<string, Variable>;
  locals: Record<string, { file: string; value: unknown }>;
  /** `TYPE.NAME` */
  resources: Record<string, Block & { type: string; name: string }>;
  /** `TYPE.NAME` (referenced as data.TYPE.NAME) */
  data: Record<string, Block & { type: string; name: string }>;
  modules: Record<string, Block>;
  outputs: Record<string, Block>;
  terraform: Block[];
  providers: Record<string, Block[]>;
};

export class HclError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HclError';
  }
}

const first = (v: unknown): Body => (Array.isArray(v) ? (v[0] as Body) : (v as Body)) ?? {};

/** Parses one file; a syntax error names the file and the position. */
export async function parseHcl(file: string, text: string): Promise<Record<string, unknown>> {
  try {
    return await parse(file, text);
  } catch (e) {
    throw new HclError(`${file}: ${(e as Error).message}`, { cause: e });
  }
}

export async function loadConfig(dir: string): Promise<TerraformConfig> {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.tf'))
    .sort();
  const config: TerraformConfig = {
    dir,
    files,
    variables: {},
    locals: {},
    resources: {},
    data: {},
    modules: {},
    outputs: {},
    terraform: [],
    providers: {},
  };
  const once = (where: Record<string, unknown>, key: string, file: string, what: string) => {
    if (where[key]) throw new HclError(`${join(dir, file)}: ${what} ${key} is declared twice`);
  };
  for (const file of files) {
    const json = await parseHcl(join(dir, file), readFileSync(join(dir, file), 'utf8'));
    for (const [name, raw] of Object.entries((json.variable ?? {}) as Record<string, unknown>)) {
      once(config.variables, name, file, 'variable');
      const b = first(raw);
      config.variables[name] = {
        file,
        type: b.type as string | undefined,
        description: b.description as string | undefined,
        hasDefault: Object.hasOwn(b, 'default'),
        default: b.default,
        nullable: b.nullable as boolean | undefined,
        sensitive: b.sensitive as boolean | undefined,
        validations: ((b.validation ?? []) as { condition: string; error_message: string }[]).map((v) => ({
          condition: v.condition,
          error_message: v.error_message,
        })),
      };
    }
    for (const block of (json.locals ?? []) as Body[]) {
      for (const [name, value] of Object.entries(block)) {
        once(config.locals, name, file, 'local');
        config.locals[name] = { file, value };
      }
    }
    for (const [kind, target] of [
      ['resource', config.resources],
      ['data', config.data],
    ] as const) {
      for (const [type, byName] of Object.entries((json[kind] ?? {}) as Record<string, Record<string, unknown>>)) {
        for (const [name, raw] of Object.entries(byName)) {
          once(target, `${type}.${name}`, file, kind);
          target[`${type}.${name}`] = { file, type, name, body: first(raw) };
        }
      }
    }
    for (const [name, raw] of Object.entries((json.module ?? {}) as Record<string, unknown>)) {
      once(config.modules, name, file, 'module');
      config.modules[name] = { file, body: first(raw) };
    }
    for (const [name, raw] of Object.entries((json.output ?? {}) as Record<string, unknown>)) {
      once(config.outputs, name, file, 'output');
      config.outputs[name] = { file, body: first(raw) };
    }
    for (const b of (json.terraform ?? []) as Body[]) config.terraform.push({ file, body: b });
    for (const [name, raw] of Object.entries((json.provider ?? {}) as Record<string, Body[]>)) {
      config.providers[name] = [...(config.providers[name] ?? []), ...raw.map((body) => ({ file, body }))];
    }
  }
  return config;
}

/** Whether a parsed value is an expression (hcl2json writes expressions as "${...}" strings). */
export const isExpression = (v: unknown): v is string => typeof v === 'string' && /\$\{/.test(v);

/** Every expression string inside a parsed value, with the path to it. */
export function expressionsIn(value: unknown, path = ''): { path: string; expression: string }[] {
  if (isExpression(value)) return [{ path, expression: value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => expressionsIn(v, `${path}[${i}]`));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => expressionsIn(v, path ? `${path}.${k}` : k));
  return [];
}

/** The references of an expression (var.x, local.y, aws_s3_object.z.key, module.m.out...), iterator names excluded. */
export async function referencesOf(file: string, expression: string): Promise<string[]> {
  const refs = await getReferencesInExpression(file, expression);
  return [...new Set(refs.map((r) => r.value))];
}

type AstNode = { type: string; meta?: { name?: string }; children?: AstNode[] } | null;

/** The names of the functions an expression calls. */
export async function functionsOf(file: string, expression: string): Promise<string[]> {
  // hcl2json gives the expression as the text of a template ("${...}", inner quotes raw): quoted, it parses back.
  const quoted = `"${expression}"`;
  const ast = (await getExpressionAst(file, quoted)) as AstNode;
  const names: string[] = [];
  const walk = (n: AstNode) => {
    if (!n) return;
    if (n.type === 'function' && n.meta?.name) names.push(n.meta.name);
    for (const c of n.children ?? []) walk(c);
  };
  walk(ast);
  return [...new Set(names)];
}
