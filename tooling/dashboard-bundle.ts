/**
 * The dashboard page's bundle: cli/dashboard/web/app.ts with lit-html, the shared schedule engine and the job
 * validator, built for the browser into cli/dashboard/assets/app.js. The bundle is committed (it ships with the
 * package, so users need no build step); `npm run build` rebuilds it and a test fails when it is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ROOT } from './paths';

export const DASHBOARD_ENTRY = join(ROOT, 'cli', 'dashboard', 'web', 'app.ts');
export const DASHBOARD_BUNDLE = join(ROOT, 'cli', 'dashboard', 'assets', 'app.js');

/** The bundle's text, built now (deterministic: the same sources give the same bytes). */
export async function buildDashboardBundle(): Promise<string> {
  const r = await build({
    entryPoints: [DASHBOARD_ENTRY],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    minify: true,
    legalComments: 'eof',
    charset: 'utf8',
    write: false,
    logLevel: 'silent',
  });
  return `/* Built by tooling/dashboard-bundle.ts from cli/dashboard/web/app.ts (npm run build): do not edit. */\n${r.outputFiles[0].text}`;
}

/** Writes the bundle if it changed; returns whether it did. */
export async function writeDashboardBundle(): Promise<boolean> {
  const text = await buildDashboardBundle();
  let current = '';
  try {
    current = readFileSync(DASHBOARD_BUNDLE, 'utf8');
  } catch {
    // not built yet
  }
  if (current === text) return false;
  writeFileSync(DASHBOARD_BUNDLE, text);
  return true;
}
