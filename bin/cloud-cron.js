#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx cloud-cron` works in a checkout without a build step.
require('tsx/cjs');
require('../cli/main.ts')
  .main(process.argv.slice(2))
  .then(
    (code) => process.exit(code),
    (e) => {
      console.error(`cloud-cron: ${e.message}`);
      process.exit(1);
    },
  );
