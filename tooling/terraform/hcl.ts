/**
 * Writing HCL (Terraform's configuration language) from TypeScript values: quoted strings with every escape HCL
 * needs (including `${` and `%{`, which would start an interpolation or a directive), literals, and names.
 */

/** A quoted HCL string that reads back as exactly `s`. */
export function hclString(s: string): string {
  let out = '';
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029)
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  // Template sequences: "$${" is a literal "${", "%%{" a literal "%{".
  // (A function, not a replacement string: in one, "$$" would itself mean a single "$".)
  return `"${out.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{')}"`;
}

/** An HCL literal for a JSON-like value. */
export function hclLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return hclString(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(hclLiteral).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return '{}';
    return `{ ${entries.map(([k, v]) => `${/^[A-Za-z_][A-Za-z0-9_-]*$/.test(k) ? k : hclString(k)} = ${hclLiteral(v)}`).join(', ')} }`;
  }
  throw new Error(`no HCL literal for ${typeof value}`);
}

/** CloudFormation's PascalCase to Terraform's snake_case: SnsTopicArn → sns_topic_arn, TemplatesS3Uri → templates_s3_uri. */
export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

/** Aligns the `=` of consecutive `key = value` lines, as `terraform fmt` does. */
export function alignAssignments(lines: string[]): string[] {
  const out: string[] = [];
  let group: { indent: string; key: string; value: string }[] = [];
  const flush = () => {
    const width = Math.max(0, ...group.map((g) => g.key.length));
    for (const g of group) out.push(`${g.indent}${g.key.padEnd(width)} = ${g.value}`);
    group = [];
  };
  for (const line of lines) {
    const m = /^(\s*)([A-Za-z_][A-Za-z0-9_-]*|"[^"]*") = (.*)$/.exec(line);
    if (m && !m[3].endsWith('{') && !m[3].endsWith('[') && (group.length === 0 || group[0].indent === m[1])) {
      group.push({ indent: m[1], key: m[2], value: m[3] });
      continue;
    }
    flush();
    if (m && !m[3].endsWith('{') && !m[3].endsWith('[')) {
      group.push({ indent: m[1], key: m[2], value: m[3] });
      continue;
    }
    out.push(line);
  }
  flush();
  return out;
}
