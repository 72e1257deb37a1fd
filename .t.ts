import { join } from 'node:path';
import { loadTemplate } from './tooling/cfn-yaml';
import { ROOT } from './tooling/paths';
import { moduleCallProblems, wellFormedProblems } from './tooling/terraform/check';
import { loadConfig } from './tooling/terraform/config';
import { generateAll } from './tooling/terraform/generate';
import { relative } from 'node:path';
(async () => {
  const c = await loadConfig(join(ROOT, 'examples/terraform'));
  const templates = Object.fromEntries(generateAll().map((m) => [relative(ROOT, m.dir), loadTemplate(join(ROOT, m.spec.template))]));
  console.log(await wellFormedProblems(c), await moduleCallProblems(c, templates));
})();
