/**
 * Reads names out of the Grafana plugins' TypeScript sources (enum values, interface fields,
 * option paths, string-array constants), so that the provisioning checks follow the plugins
 * instead of keeping copies. Each reader throws when it finds nothing: a renamed declaration
 * fails the test instead of passing it vacuously.
 */

function body(source: string, header: RegExp, what: string): string {
  const m = header.exec(source);
  if (!m) throw new Error(`${what}: declaration not found`);
  let depth = 0;
  const start = source.indexOf('{', m.index);
  for (let i = start; i < source.length; i++) {
    if (source[i] === '{') depth++;
    if (source[i] === '}' && --depth === 0) return source.slice(start + 1, i);
  }
  throw new Error(`${what}: unbalanced braces`);
}

const stripComments = (text: string): string =>
  text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');

/** The string values of `export enum Name { A = 'a', … }`. */
export function enumValues(source: string, name: string): string[] {
  const values = [
    ...stripComments(body(source, new RegExp(`enum\\s+${name}\\s*\\{`), `enum ${name}`)).matchAll(
      /=\s*'([^']*)'/g,
    ),
  ].map((m) => m[1]);
  if (values.length === 0) throw new Error(`enum ${name}: no values`);
  return values;
}

/** The field names of `interface Name … { field?: T; … }` (own fields, not inherited ones). */
export function interfaceFields(source: string, name: string): string[] {
  const fields = [
    ...stripComments(
      body(source, new RegExp(`interface\\s+${name}\\b[^{]*\\{`), `interface ${name}`),
    ).matchAll(/^\s*(?:readonly\s+)?([A-Za-z_][A-Za-z0-9_]*)\??\s*:/gm),
  ].map((m) => m[1]);
  if (fields.length === 0) throw new Error(`interface ${name}: no fields`);
  return fields;
}

/** The `path: '…'` of every option the panel's options builder adds. */
export function optionPaths(source: string): string[] {
  const paths = [...stripComments(source).matchAll(/\bpath:\s*'([^']+)'/g)].map((m) => m[1]);
  if (paths.length === 0) throw new Error('panel options: no `path:` found');
  return paths;
}

/** The strings of `const NAME … = ['a', 'b'];`. */
export function stringArray(source: string, name: string): string[] {
  const m = new RegExp(`const\\s+${name}\\b[^=]*=\\s*\\[([^\\]]*)\\]`).exec(source);
  if (!m) throw new Error(`const ${name}: not found`);
  const values = [...m[1].matchAll(/'([^']*)'/g)].map((v) => v[1]);
  if (values.length === 0) throw new Error(`const ${name}: empty`);
  return values;
}
