/** `npm run build [name...]`: bundles every Lambda function (or the named ones) into dist/<name>/index.js. */
import { buildAll, ROOT } from '../tooling/build';

buildAll(ROOT, process.argv.slice(2)).then(
  (built) => console.log(`built ${built.map((b) => `dist/${b.name}/index.js`).join(', ')}`),
  (e: Error) => {
    console.error(`build failed: ${e.message}`);
    process.exit(1);
  },
);
