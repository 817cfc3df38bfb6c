/**
 * Checks of a Grafana plugin's `plugin.json`, written by this project from Grafana's documented
 * plugin.json fields (https://grafana.com/developers/plugin-tools/reference/plugin-json). Grafana's
 * own JSON Schema is AGPL-licensed, so it is not part of this Apache-2.0 repository; these rules
 * cover the fields Grafana documents, with the constraints it documents for them, and reject
 * fields it does not know (a typo would otherwise be ignored by Grafana without a word).
 *
 * Used by both plugins' `plugin.json` tests; the rules' own failure cases are tested in
 * grafana-datasource-plugin/src/plugin.json.test.ts.
 */

/** One broken rule: where (`info.logos.small`) and what is wrong. */
export interface PluginJsonProblem {
  path: string;
  message: string;
}

/** The plugin types Grafana documents. */
const PLUGIN_TYPES = ['app', 'datasource', 'panel', 'renderer', 'secretsmanager'];
/** Plugin types another plugin may depend on. */
const DEPENDENCY_TYPES = ['app', 'datasource', 'panel'];

/** Every top-level field Grafana documents, and the JSON type each one has. */
const TOP_LEVEL: Record<string, 'string' | 'boolean' | 'object' | 'array'> = {
  $schema: 'string',
  id: 'string',
  type: 'string',
  name: 'string',
  info: 'object',
  dependencies: 'object',
  alerting: 'boolean',
  annotations: 'boolean',
  autoEnabled: 'boolean',
  backend: 'boolean',
  buildMode: 'string',
  builtIn: 'boolean',
  category: 'string',
  docsPath: 'string',
  enterpriseFeatures: 'object',
  executable: 'string',
  extensions: 'object',
  hideFromList: 'boolean',
  iam: 'object',
  includes: 'array',
  languages: 'array',
  logs: 'boolean',
  metrics: 'boolean',
  mixed: 'boolean',
  multiValueFilterOperators: 'boolean',
  pascalName: 'string',
  preload: 'boolean',
  queryOptions: 'object',
  roles: 'array',
  routes: 'array',
  skipDataQuery: 'boolean',
  state: 'string',
  streaming: 'boolean',
  suggestions: 'boolean',
  tracing: 'boolean',
};

/** Capabilities Grafana reads only from data source plugins. */
const DATASOURCE_ONLY = [
  'alerting',
  'annotations',
  'logs',
  'metrics',
  'streaming',
  'tracing',
  'queryOptions',
];

const CATEGORIES = ['tsdb', 'logging', 'cloud', 'tracing', 'profiling', 'sql', 'enterprise', 'iot', 'other'];
const STATES = ['alpha', 'beta', 'stable', 'deprecated'];
const INFO_FIELDS = [
  'author',
  'build',
  'description',
  'keywords',
  'links',
  'logos',
  'screenshots',
  'updated',
  'version',
];
const DEPENDENCY_FIELDS = ['grafanaDependency', 'grafanaVersion', 'plugins', 'extensions'];
const ROUTE_FIELDS = [
  'path',
  'method',
  'url',
  'reqSignedIn',
  'reqRole',
  'reqAction',
  'headers',
  'body',
  'tokenAuth',
  'jwtTokenAuth',
  'urlParams',
];
const ROLES = ['Admin', 'Editor', 'Viewer'];
const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
const LINK_TARGETS = ['_blank', '_self', '_parent', '_top'];

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const jsonType = (v: unknown): string => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);
const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

/**
 * A plugin id as Grafana's catalogue expects it: lowercase letters and digits in two or three
 * dash-separated words, the last being the plugin type (`myorg-thing-panel`, `myorg-app`).
 */
function idProblem(id: string, type: unknown): string | undefined {
  const words = id.split('-');
  if (words.length < 2 || words.length > 3 || words.some((w) => !/^[0-9a-z]+$/.test(w)))
    return `"${id}" is not lowercase words joined by dashes: organisation[-name]-type`;
  const suffix = words[words.length - 1];
  if (!['app', 'panel', 'datasource'].includes(suffix))
    return `"${id}" does not end in app, panel or datasource`;
  if (typeof type === 'string' && ['app', 'panel', 'datasource'].includes(type) && suffix !== type)
    return `"${id}" ends in "${suffix}" but the plugin type is "${type}"`;
  return undefined;
}

/**
 * A Grafana version requirement as npm's semver reads it, in the forms Grafana documents:
 * `>=12.3.0`, `^11.0.0`, `>=10.4.0 <12`, `>=9.5.0 || >=10.2.0`: alternatives joined by `||`,
 * each one or two comparisons of a numeric version whose minor and patch may be `x` or `*`,
 * optionally with a pre-release tag.
 */
function isVersionRange(range: string): boolean {
  const comparison = /^(<=|>=|<|>|=|~|\^)?\d+(\.(\d+|x|\*)){0,2}(-[0-9A-Za-z.-]+)?$/;
  return range.split('||').every((alternative) => {
    const parts = alternative.trim().split(/\s+/);
    return parts.length >= 1 && parts.length <= 2 && parts.every((p) => comparison.test(p));
  });
}

function isHttpUrl(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  try {
    const u = new URL(v);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

/**
 * Checks a plugin.json object against Grafana's documented fields.
 *
 * @param json the parsed `src/plugin.json` (placeholders such as `%VERSION%` allowed) or, with
 *   `built: true`, the `dist/plugin.json` the build wrote (version and date must be filled in).
 * @returns every broken rule; an empty array when the file is valid.
 */
export function pluginJsonProblems(json: unknown, options: { built?: boolean } = {}): PluginJsonProblem[] {
  const problems: PluginJsonProblem[] = [];
  const report = (path: string, message: string) => problems.push({ path, message });
  const unknownFields = (obj: Json, known: string[], at: string) => {
    for (const key of Object.keys(obj))
      if (!known.includes(key)) report(`${at}.${key}`, 'is not a field Grafana documents here');
  };

  if (!isObject(json)) {
    report('', `must be a JSON object, got ${jsonType(json)}`);
    return problems;
  }

  for (const required of ['id', 'type', 'name', 'info', 'dependencies'])
    if (!(required in json)) report(required, 'is required');
  for (const [key, value] of Object.entries(json)) {
    const expected = TOP_LEVEL[key];
    if (!expected) report(key, 'is not a top-level field Grafana documents');
    else if (jsonType(value) !== expected) report(key, `must be ${expected}, got ${jsonType(value)}`);
  }

  const { type } = json;
  if (typeof type === 'string' && !PLUGIN_TYPES.includes(type))
    report('type', `"${type}" is not one of ${PLUGIN_TYPES.join(', ')}`);
  if (typeof json.id === 'string') {
    const problem = idProblem(json.id, type);
    if (problem) report('id', problem);
  }
  if (typeof json.name === 'string' && !isNonEmptyString(json.name)) report('name', 'must not be empty');
  if (type !== 'datasource')
    for (const key of DATASOURCE_ONLY) if (key in json) report(key, 'applies to data source plugins only');
  if (json.alerting === true && json.backend !== true) report('alerting', 'needs "backend": true');
  if (json.backend === true && !isNonEmptyString(json.executable))
    report('executable', 'is required when "backend" is true');
  if (typeof json.category === 'string' && !CATEGORIES.includes(json.category))
    report('category', `"${json.category}" is not one of ${CATEGORIES.join(', ')}`);
  if (typeof json.state === 'string' && !STATES.includes(json.state))
    report('state', `"${json.state}" is not one of ${STATES.join(', ')}`);

  if (isObject(json.info)) checkInfo(json.info, options.built === true, report, unknownFields);
  if (isObject(json.dependencies)) checkDependencies(json.dependencies, report, unknownFields);
  if (Array.isArray(json.routes)) {
    if (type !== 'datasource' && type !== 'app')
      report('routes', 'apply to data source and app plugins only');
    json.routes.forEach((route, i) => checkRoute(route, `routes[${i}]`, report, unknownFields));
  }
  return problems;
}

type Report = (path: string, message: string) => void;
type UnknownFields = (obj: Json, known: string[], at: string) => void;

function checkInfo(info: Json, built: boolean, report: Report, unknownFields: UnknownFields): void {
  unknownFields(info, INFO_FIELDS, 'info');
  for (const required of ['keywords', 'logos', 'version', 'updated'])
    if (!(required in info)) report(`info.${required}`, 'is required');

  if ('keywords' in info) {
    const keywords = info.keywords;
    if (!Array.isArray(keywords) || keywords.length === 0 || !keywords.every(isNonEmptyString))
      report('info.keywords', 'must be a non-empty array of words');
  }
  if ('description' in info && typeof info.description !== 'string')
    report('info.description', 'must be a string');

  if ('logos' in info) {
    const logos = info.logos;
    if (!isObject(logos)) report('info.logos', 'must be an object with "small" and "large"');
    else {
      unknownFields(logos, ['small', 'large'], 'info.logos');
      for (const size of ['small', 'large']) {
        const logo = logos[size];
        if (!isNonEmptyString(logo)) report(`info.logos.${size}`, 'is required');
        else if (!logo.toLowerCase().endsWith('.svg'))
          report(`info.logos.${size}`, `"${logo}" must be an SVG image`);
      }
    }
  }

  if ('author' in info) {
    const author = info.author;
    if (!isObject(author)) report('info.author', 'must be an object');
    else {
      unknownFields(author, ['name', 'email', 'url'], 'info.author');
      if ('name' in author && !isNonEmptyString(author.name)) report('info.author.name', 'must not be empty');
      if ('url' in author && !isHttpUrl(author.url)) report('info.author.url', 'must be an http(s) URL');
      if ('email' in author && !(typeof author.email === 'string' && /^[^@\s]+@[^@\s]+$/.test(author.email)))
        report('info.author.email', 'must be an e-mail address');
    }
  }

  if ('links' in info) {
    if (!Array.isArray(info.links)) report('info.links', 'must be an array');
    else
      info.links.forEach((link, i) => {
        const at = `info.links[${i}]`;
        if (!isObject(link)) return report(at, 'must be an object with "name" and "url"');
        unknownFields(link, ['name', 'url', 'target'], at);
        if (!isNonEmptyString(link.name)) report(`${at}.name`, 'is required');
        if (!isHttpUrl(link.url)) report(`${at}.url`, 'must be an http(s) URL');
        if ('target' in link && !LINK_TARGETS.includes(String(link.target)))
          report(`${at}.target`, `must be one of ${LINK_TARGETS.join(', ')}`);
      });
  }

  if ('screenshots' in info) {
    if (!Array.isArray(info.screenshots)) report('info.screenshots', 'must be an array');
    else
      info.screenshots.forEach((shot, i) => {
        const at = `info.screenshots[${i}]`;
        if (!isObject(shot)) return report(at, 'must be an object with "name" and "path"');
        unknownFields(shot, ['name', 'path'], at);
        if (!isNonEmptyString(shot.name)) report(`${at}.name`, 'is required');
        if (!isNonEmptyString(shot.path)) report(`${at}.path`, 'is required');
      });
  }

  // The source holds the build's placeholders; the build writes the real values.
  if ('version' in info) {
    const version = String(info.version);
    if (!(/^\d+\.\d+\.\d+/.test(version) || (!built && version === '%VERSION%')))
      report('info.version', built ? 'must be a version x.y.z' : 'must be a version x.y.z or %VERSION%');
  }
  if ('updated' in info) {
    const updated = String(info.updated);
    if (!(/^\d{4}-\d{2}-\d{2}$/.test(updated) || (!built && updated === '%TODAY%')))
      report('info.updated', built ? 'must be a date YYYY-MM-DD' : 'must be a date YYYY-MM-DD or %TODAY%');
  }
}

function checkDependencies(deps: Json, report: Report, unknownFields: UnknownFields): void {
  unknownFields(deps, DEPENDENCY_FIELDS, 'dependencies');
  if (!('grafanaDependency' in deps)) report('dependencies.grafanaDependency', 'is required');
  else if (typeof deps.grafanaDependency !== 'string' || !isVersionRange(deps.grafanaDependency))
    report(
      'dependencies.grafanaDependency',
      `${JSON.stringify(deps.grafanaDependency)} is not a version range`,
    );
  if (!('plugins' in deps)) return;
  if (!Array.isArray(deps.plugins)) return report('dependencies.plugins', 'must be an array');
  deps.plugins.forEach((plugin, i) => {
    const at = `dependencies.plugins[${i}]`;
    if (!isObject(plugin)) return report(at, 'must be an object');
    unknownFields(plugin, ['id', 'type', 'name', 'version'], at);
    if (!isNonEmptyString(plugin.name)) report(`${at}.name`, 'is required');
    if (typeof plugin.type !== 'string' || !DEPENDENCY_TYPES.includes(plugin.type))
      report(`${at}.type`, `must be one of ${DEPENDENCY_TYPES.join(', ')}`);
    if (typeof plugin.id !== 'string') report(`${at}.id`, 'is required');
    else {
      const problem = idProblem(plugin.id, plugin.type);
      if (problem) report(`${at}.id`, problem);
    }
  });
}

function checkRoute(route: unknown, at: string, report: Report, unknownFields: UnknownFields): void {
  if (!isObject(route)) return report(at, 'must be an object');
  unknownFields(route, ROUTE_FIELDS, at);
  if (!isNonEmptyString(route.path)) report(`${at}.path`, 'is required');
  if ('url' in route && !isNonEmptyString(route.url)) report(`${at}.url`, 'must be a URL or URL template');
  // One HTTP verb or several, comma-separated.
  if (
    'method' in route &&
    !String(route.method)
      .split(',')
      .every((m) => HTTP_METHODS.includes(m.trim()))
  )
    report(`${at}.method`, `must be one or more (comma-separated) of ${HTTP_METHODS.join(', ')}`);
  if ('reqRole' in route && !ROLES.includes(String(route.reqRole)))
    report(`${at}.reqRole`, `must be one of ${ROLES.join(', ')}`);
  for (const list of ['headers', 'urlParams']) {
    if (!(list in route)) continue;
    const items = route[list];
    if (!Array.isArray(items)) {
      report(`${at}.${list}`, 'must be an array');
      continue;
    }
    items.forEach((item, i) => {
      const where = `${at}.${list}[${i}]`;
      if (!isObject(item)) return report(where, 'must be an object with "name" and "content"');
      unknownFields(item, ['name', 'content'], where);
      if (!isNonEmptyString(item.name)) report(`${where}.name`, 'is required');
      if (typeof item.content !== 'string') report(`${where}.content`, 'must be a string');
    });
  }
}
