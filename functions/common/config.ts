/**
 * Reads and validates the function's configuration once, at init. Every failure names the variable.
 */
import { ConfigurationError } from './errors';

type Env = Record<string, string | undefined>;

export function requiredEnv(name: string, env: Env = process.env): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigurationError(`environment variable ${name} is required but is not set`);
  return value;
}

export function optionalEnv(name: string, env: Env = process.env): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/** A comma-separated list; empty entries dropped. */
export function listEnv(name: string, env: Env = process.env): string[] {
  return (optionalEnv(name, env) ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function intEnv(name: string, fallback: number, env: Env = process.env): number {
  const raw = optionalEnv(name, env);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw))
    throw new ConfigurationError(`environment variable ${name} must be a whole number, got "${raw}"`);
  return Number(raw);
}

/**
 * One configuration table per function: each environment variable, the template parameter (or resource) that
 * sets it, and how it is validated. The function reads its configuration through it, and a test checks the table
 * against the template (every variable set from the parameter it names, none forgotten).
 */
export type Setting<T> = {
  /** The environment variable. */
  variable: string;
  /**
   * Where the template takes the value from: `{ parameter }` (a Ref to a template parameter), `{ resource }` (a
   * Ref to one of its resources), `{ pseudo }` (a pseudo parameter such as AWS::AccountId), `{ fixed }` (a
   * literal), or `{ local }` (never set by the template: local emulators and tests only).
   */
  from: { parameter: string } | { resource: string } | { pseudo: string } | { fixed: string } | { local: true };
  /** Validates and converts the raw value (undefined or blank when unset); throws ConfigurationError. */
  parse(raw: string | undefined, where: string): T;
};

export type SettingsTable = Record<string, Setting<unknown>>;
export type SettingsOf<T extends SettingsTable> = { [K in keyof T]: ReturnType<T[K]['parse']> };

/** "VARIABLE (parameter Name)": how errors name a setting, so the reader knows what to fix. */
export function settingName(setting: Setting<unknown>): string {
  const from = setting.from;
  return 'parameter' in from ? `${setting.variable} (parameter ${from.parameter})` : setting.variable;
}

export function readSettings<T extends SettingsTable>(table: T, env: Env = process.env): SettingsOf<T> {
  const out: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(table)) {
    const raw = env[setting.variable];
    out[key] = setting.parse(raw === undefined || raw.trim() === '' ? undefined : raw, settingName(setting));
  }
  return out as SettingsOf<T>;
}

/** Parsers for the common kinds of setting. */
export const parse = {
  required:
    (pattern?: RegExp, what?: string) =>
    (raw: string | undefined, where: string): string => {
      if (raw === undefined) throw new ConfigurationError(`environment variable ${where} is required but is not set`);
      const value = raw.trim();
      if (pattern && !pattern.test(value))
        throw new ConfigurationError(`${where} must be ${what ?? `like ${pattern}`}, got "${value}"`);
      return value;
    },
  optional:
    (pattern?: RegExp, what?: string) =>
    (raw: string | undefined, where: string): string | undefined => {
      if (raw === undefined) return undefined;
      const value = raw.trim();
      if (pattern && !pattern.test(value))
        throw new ConfigurationError(`${where} must be ${what ?? `like ${pattern}`}, got "${value}"`);
      return value;
    },
  /** Kept as written (whitespace can matter in a template); blank means unset. */
  text: (raw: string | undefined): string | undefined => raw,
  oneOf:
    <T extends string>(values: readonly T[], fallback?: T) =>
    (raw: string | undefined, where: string): T => {
      const value = raw?.trim() ?? fallback;
      if (value === undefined || !values.includes(value as T))
        throw new ConfigurationError(`${where} must be one of ${values.join(', ')}, got "${raw ?? ''}"`);
      return value as T;
    },
  int:
    (fallback: number, min: number, max: number) =>
    (raw: string | undefined, where: string): number => {
      if (raw === undefined) return fallback;
      const value = raw.trim();
      if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
        throw new ConfigurationError(`${where} must be a whole number from ${min} to ${max}, got "${value}"`);
      return Number(value);
    },
};
