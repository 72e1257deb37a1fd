/**
 * Jest global set-up: before any test runs, checks what the tests need beyond npm packages (tooling/setup.ts), so a
 * missing tool stops the run with one message instead of failing tests one by one. `npm test` has just run the
 * set-up itself (installing what it could), so this check is for `npx jest ...` run directly; it installs nothing.
 */
import { SetupError, setUp } from '../tooling/setup';

export default async function globalSetup(): Promise<void> {
  if (process.env.npm_lifecycle_event === 'test') return;
  try {
    await setUp('test', { install: false, log: () => undefined, needs: 'the tests need', rerun: 'the tests' });
  } catch (e) {
    if (!(e instanceof SetupError)) throw e;
    process.stderr.write(`\n${e.message}\n\n`);
    process.exit(1);
  }
}
