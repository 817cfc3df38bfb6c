/**
 * @jest-environment node
 */
import fs from 'fs';
import path from 'path';
import { pluginJsonProblems } from '../../test-support/grafana-plugin-json';

const read = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));
const pluginJson = read(path.join(__dirname, 'plugin.json'));

describe('plugin.json', () => {
  it("follows Grafana's documented plugin.json fields", () => {
    expect(pluginJsonProblems(pluginJson)).toEqual([]);
  });

  const built = path.join(__dirname, '..', 'dist', 'plugin.json');
  (fs.existsSync(built) ? it : it.skip)(
    'the build output (dist/plugin.json) has its version and date filled in',
    () => {
      const dist = read(built);
      expect(pluginJsonProblems(dist, { built: true })).toEqual([]);
      expect(dist.id).toBe(pluginJson.id);
      expect(fs.existsSync(path.join(path.dirname(built), 'module.js'))).toBe(true);
    }
  );

  it('is the lucid-alerts-datasource frontend data source with annotations, streaming and catalog metadata', () => {
    expect(pluginJson).toMatchObject({
      id: 'lucid-alerts-datasource',
      type: 'datasource',
      annotations: true,
      streaming: true,
      metrics: true,
    });
    expect(pluginJson.backend).toBeUndefined();
    expect(pluginJson.dependencies.grafanaDependency).toMatch(/^>=12\./);
    expect(pluginJson.info.keywords.length).toBeGreaterThanOrEqual(3);
    // Documentation and repository links are added when the project has a public home; none is invented.
    expect(pluginJson.info.links.map((l: { name: string }) => l.name)).toEqual(expect.arrayContaining(['license']));
    for (const logo of Object.values(pluginJson.info.logos) as string[]) {
      const svg = fs.readFileSync(path.join(__dirname, logo), 'utf8');
      expect(svg).toMatch(/^<svg[^>]+viewBox="0 0 \d+ \d+"/);
    }
  });

  it('injects the token server-side through the proxy route, from secureJsonData only', () => {
    expect(pluginJson.routes).toEqual([
      {
        path: 'lucid',
        url: '{{ .JsonData.apiUrl }}',
        headers: [{ name: 'Authorization', content: 'Bearer {{ .SecureJsonData.apiToken }}' }],
      },
    ]);
  });
});

/** The rules in test-support/grafana-plugin-json.ts catch what Grafana's documentation forbids. */
describe('plugin.json rules', () => {
  type Edit = (json: Record<string, any>) => void;
  const broken = (edit: Edit) => {
    const json = structuredClone(pluginJson);
    edit(json);
    return pluginJsonProblems(json).map((p) => p.path);
  };

  it.each<[string, Edit, string]>([
    ['a missing id', (j) => delete j.id, 'id'],
    ['a missing dependencies object', (j) => delete j.dependencies, 'dependencies'],
    ['an unknown type', (j) => (j.type = 'widget'), 'type'],
    ['an id with capitals', (j) => (j.id = 'Lucid-alerts-datasource'), 'id'],
    ['an id whose suffix is not the type', (j) => (j.id = 'lucid-alerts-panel'), 'id'],
    ['an id of four words', (j) => (j.id = 'lucid-iot-alerts-datasource'), 'id'],
    ['a misspelt top-level field', (j) => (j.annotation = true), 'annotation'],
    ['a capability flag that is not a boolean', (j) => (j.streaming = 'yes'), 'streaming'],
    ['alerting without a backend', (j) => (j.alerting = true), 'alerting'],
    ['an unknown category', (j) => (j.category = 'factory'), 'category'],
    ['no keywords', (j) => (j.info.keywords = []), 'info.keywords'],
    ['a PNG logo', (j) => (j.info.logos.small = 'img/logo.png'), 'info.logos.small'],
    ['a missing large logo', (j) => delete j.info.logos.large, 'info.logos.large'],
    ['a link without a URL', (j) => (j.info.links = [{ name: 'docs' }]), 'info.links[0].url'],
    ['a screenshot without a path', (j) => (j.info.screenshots = [{ name: 'x' }]), 'info.screenshots[0].path'],
    ['an unknown info field', (j) => (j.info.homepage = 'https://example.com'), 'info.homepage'],
    ['a missing version', (j) => delete j.info.version, 'info.version'],
    ['a date that is not a date', (j) => (j.info.updated = 'today'), 'info.updated'],
    [
      'no Grafana version requirement',
      (j) => delete j.dependencies.grafanaDependency,
      'dependencies.grafanaDependency',
    ],
    [
      'a requirement that is not a range',
      (j) => (j.dependencies.grafanaDependency = 'latest'),
      'dependencies.grafanaDependency',
    ],
    [
      'a plugin dependency of an unknown type',
      (j) => (j.dependencies.plugins = [{ id: 'acme-map-panel', type: 'widget', name: 'Map' }]),
      'dependencies.plugins[0].type',
    ],
    ['a route without a path', (j) => delete j.routes[0].path, 'routes[0].path'],
    ['a route with an unknown role', (j) => (j.routes[0].reqRole = 'Operator'), 'routes[0].reqRole'],
    ['a route with an unknown method', (j) => (j.routes[0].method = 'FETCH'), 'routes[0].method'],
    ['a route header without a name', (j) => (j.routes[0].headers[0].name = ''), 'routes[0].headers[0].name'],
  ])('reports %s', (_what, edit, path) => {
    expect(broken(edit)).toContain(path);
  });

  it('accepts the documented forms of a Grafana version range and of route methods', () => {
    for (const range of ['>=12.3.0', '^11.0.0', '>=10.4.0 <12', '>=9.5.x || >=10.2.0', '>=12.0.0-beta1']) {
      expect(broken((j) => (j.dependencies.grafanaDependency = range))).toEqual([]);
    }
    expect(broken((j) => (j.routes[0].method = 'GET, POST'))).toEqual([]);
  });

  it('requires real values in the build output, placeholders only in the source', () => {
    expect(pluginJsonProblems(pluginJson, { built: true }).map((p) => p.path)).toEqual([
      'info.version',
      'info.updated',
    ]);
  });

  it('refuses a panel that declares data source capabilities or routes', () => {
    const panel = { ...structuredClone(pluginJson), type: 'panel', id: 'lucid-alerts-panel' };
    expect(pluginJsonProblems(panel).map((p) => p.path)).toEqual(
      expect.arrayContaining(['annotations', 'streaming', 'metrics', 'routes'])
    );
  });
});
