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
