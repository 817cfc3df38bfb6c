/**
 * Grafana provisioning: the data source file against the data source plugin (its plugin.json id
 * and routes, its option types), the dashboard provider against the Compose mounts, and the
 * "Lucid: explained alerts" dashboard against the provisioned data sources, the plugins' ids,
 * the query model of the data source and the panel's option names. Names are read from the
 * plugins' own sources, not copied here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  compose,
  envReferences,
  mounts,
  pluginJson,
  readText,
  readYaml,
  DATASOURCE_PLUGIN,
  PANEL_PLUGIN,
  PROVISIONING,
} from './helpers/repo';
import { enumValues, interfaceFields, optionPaths, stringArray } from './helpers/ts-source';

const GRAFANA = path.join(PROVISIONING, 'grafana');
const dsTypes = readText(DATASOURCE_PLUGIN, 'src', 'types.ts');
const panelTypes = readText(PANEL_PLUGIN, 'src', 'types.ts');
const panelOptions = readText(PANEL_PLUGIN, 'src', 'options.ts');
const contracts = readText('node-red-nodes', 'src', 'lib', 'contracts', 'types.ts');

interface DataSourceDef {
  name: string;
  uid: string;
  type: string;
  access: string;
  jsonData?: Record<string, unknown>;
  secureJsonData?: Record<string, unknown>;
}
interface DsRef {
  type?: string;
  uid?: string;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: DsRef;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: (Record<string, unknown> & { datasource?: DsRef; refId: string })[];
  options?: Record<string, unknown>;
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  annotations: {
    list: (Record<string, unknown> & {
      datasource: DsRef;
      target?: Record<string, unknown>;
      filter?: { ids: number[] };
    })[];
  };
  templating: {
    list: {
      name: string;
      type: string;
      datasource: DsRef;
      query: Record<string, unknown>;
      includeAll: boolean;
    }[];
  };
}

/** Every file of a folder, recursively. */
function files(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

const datasourceFile = readYaml<{ apiVersion: number; datasources: DataSourceDef[] }>(
  'provisioning',
  'grafana',
  'provisioning',
  'datasources',
  'lucid.yaml',
);
const provisioned = datasourceFile.datasources;
const dashboardFile = path.join(GRAFANA, 'dashboards', 'lucid-explained-alerts.json');
const dashboard = JSON.parse(fs.readFileSync(dashboardFile, 'utf8')) as Dashboard;
const grafana = compose().services.grafana;

/** Core Grafana panel types the dashboard may use besides the plugins. */
const CORE_PANELS = ['stat', 'timeseries', 'table', 'text', 'row', 'bargauge', 'gauge'];

describe('Grafana provisioning files', () => {
  it('parses every file under provisioning/grafana', () => {
    const all = files(GRAFANA);
    expect(all.length).toBeGreaterThanOrEqual(3);
    for (const f of all) {
      if (f.endsWith('.json')) expect(() => JSON.parse(fs.readFileSync(f, 'utf8'))).not.toThrow();
      else if (/\.ya?ml$/.test(f))
        expect(readYaml(path.relative(path.join(PROVISIONING, '..'), f))).toHaveProperty('apiVersion', 1);
      else throw new Error(`unexpected file ${f}`);
    }
  });

  it('provisions the data source with the data source plugin id, through the proxy', () => {
    expect(provisioned).toHaveLength(1);
    const [ds] = provisioned;
    const plugin = pluginJson(DATASOURCE_PLUGIN);
    expect(plugin.type).toBe('datasource');
    expect(ds.type).toBe(plugin.id);
    expect(ds.access).toBe('proxy');
    expect(ds.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
  });

  it('fills exactly the jsonData and secureJsonData fields the plugin defines, and everything its routes use', () => {
    const [ds] = provisioned;
    const jsonFields = interfaceFields(dsTypes, 'LucidDataSourceOptions');
    const secureFields = interfaceFields(dsTypes, 'LucidSecureJsonData');
    for (const key of Object.keys(ds.jsonData ?? {})) expect(jsonFields).toContain(key);
    for (const key of Object.keys(ds.secureJsonData ?? {})) expect(secureFields).toContain(key);
    const routes = JSON.stringify(pluginJson(DATASOURCE_PLUGIN).routes ?? []);
    const usedJson = [...routes.matchAll(/\.JsonData\.(\w+)/g)].map((m) => m[1]);
    const usedSecure = [...routes.matchAll(/\.SecureJsonData\.(\w+)/g)].map((m) => m[1]);
    expect(usedJson.length + usedSecure.length).toBeGreaterThan(0);
    for (const key of usedJson) expect(ds.jsonData).toHaveProperty(key);
    for (const key of usedSecure) expect(ds.secureJsonData).toHaveProperty(key);
  });

  it('takes the API URL and token from variables the Grafana container has', () => {
    const refs = envReferences(
      readText('provisioning', 'grafana', 'provisioning', 'datasources', 'lucid.yaml'),
    );
    expect([...refs].sort()).toEqual(['LUCID_API_URL', 'LUCID_GRAFANA_API_TOKEN']);
    for (const name of refs) expect(grafana.environment).toHaveProperty(name);
    expect(grafana.environment?.LUCID_API_URL).toBe('http://node-red:1880/lucid/api');
  });

  it('points the dashboard provider at the folder Compose mounts, and Grafana at its provisioning folder', () => {
    const providers = readYaml<{ providers: { type: string; options: { path: string } }[] }>(
      'provisioning',
      'grafana',
      'provisioning',
      'dashboards',
      'lucid.yaml',
    ).providers;
    expect(providers).toHaveLength(1);
    const m = mounts(grafana);
    expect(m.find((v) => v.source === './provisioning/grafana/dashboards')?.target).toBe(
      providers[0].options.path,
    );
    expect(m.find((v) => v.source === './provisioning/grafana/provisioning')?.target).toBe(
      grafana.environment?.GF_PATHS_PROVISIONING,
    );
    expect(grafana.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH).toBe(
      `${providers[0].options.path}/${path.basename(dashboardFile)}`,
    );
  });
});

describe('the "Lucid: explained alerts" dashboard', () => {
  const uids = new Map(provisioned.map((d) => [d.uid, d.type]));
  const pluginIds = [pluginJson(DATASOURCE_PLUGIN).id, pluginJson(PANEL_PLUGIN).id];
  const refs: { where: string; ref: DsRef }[] = [
    ...dashboard.panels.flatMap((p) => [
      ...(p.datasource ? [{ where: `panel ${p.id}`, ref: p.datasource }] : []),
      ...(p.targets ?? [])
        .filter((t) => t.datasource)
        .map((t) => ({ where: `panel ${p.id} target ${t.refId}`, ref: t.datasource! })),
    ]),
    ...dashboard.annotations.list
      .filter((a) => !a.builtIn)
      .map((a) => ({ where: `annotation ${a.name}`, ref: a.datasource })),
    ...dashboard.templating.list.map((v) => ({ where: `variable ${v.name}`, ref: v.datasource })),
  ];
  const lucidTargets = dashboard.panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({ panel: p, target: t })),
  );

  it('has the title and a stable uid', () => {
    expect(dashboard.title).toBe('Lucid: explained alerts');
    expect(dashboard.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
  });

  it('references only provisioned data sources, by uid and matching type', () => {
    expect(refs.length).toBeGreaterThan(5);
    for (const { where, ref } of refs) {
      expect({ where, known: uids.has(ref.uid ?? '') }).toEqual({ where, known: true });
      expect({ where, type: ref.type }).toEqual({ where, type: uids.get(ref.uid ?? '') });
      expect(pluginIds).toContain(ref.type);
    }
  });

  it('uses only core panels and the Lucid panel plugin, with unique ids on a 24-column grid', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels) {
      expect([...CORE_PANELS, pluginJson(PANEL_PLUGIN).id]).toContain(p.type);
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
    }
  });

  it('sets the Lucid panel options by the names the panel defines, with valid values', () => {
    const paths = optionPaths(panelOptions);
    const severities = stringArray(contracts, 'SEVERITIES');
    const statuses = stringArray(panelTypes, 'ALERT_STATUSES');
    const sortBy = enumValues(panelTypes, 'SortBy');
    const lucidPanels = dashboard.panels.filter((p) => p.type === pluginJson(PANEL_PLUGIN).id);
    expect(lucidPanels).toHaveLength(1);
    for (const p of lucidPanels) {
      expect(Object.keys(p.options ?? {}).sort()).toEqual([...paths].sort());
      // The option names are also the fields of the panel's options type.
      expect([...interfaceFields(panelTypes, 'AlertsPanelOptions')].sort()).toEqual([...paths].sort());
      const o = p.options as { minSeverity: string; statuses: string[]; sortBy: string; maxAlerts: number };
      expect(severities).toContain(o.minSeverity);
      for (const s of o.statuses) expect(statuses).toContain(s);
      expect(sortBy).toContain(o.sortBy);
      expect(o.maxAlerts).toBeGreaterThanOrEqual(1);
      expect(o.maxAlerts).toBeLessThanOrEqual(500);
    }
  });

  it('writes queries in the data source query model: known query types and fields', () => {
    const queryTypes = enumValues(dsTypes, 'QueryType');
    const fields = new Set([...interfaceFields(dsTypes, 'LucidQuery'), 'refId', 'datasource', 'hide']);
    const targets = [
      ...lucidTargets.map((t) => t.target),
      ...dashboard.annotations.list.filter((a) => a.target).map((a) => a.target!),
    ];
    for (const t of targets) {
      expect(queryTypes).toContain(t.queryType);
      for (const key of Object.keys(t)) expect({ key, known: fields.has(key) }).toEqual({ key, known: true });
    }
  });

  it('has the Lucid panel, a device series with the band and Lucid annotations, and a fatigue-reduction stat', () => {
    const byQuery = (type: string, panelType: string) =>
      lucidTargets.filter((t) => t.target.queryType === type && t.panel.type === panelType);
    expect(byQuery('alerts', pluginJson(PANEL_PLUGIN).id)).toHaveLength(1);
    const series = byQuery('series', 'timeseries');
    expect(series).toHaveLength(1);
    expect(series[0].target).toMatchObject({ device: '$device', metric: '$metric' });
    const annotation = dashboard.annotations.list.find(
      (a) => a.datasource.type === pluginJson(DATASOURCE_PLUGIN).id,
    );
    expect(annotation?.target).toMatchObject({ queryType: 'annotations', device: '$device' });
    expect(annotation?.filter?.ids).toEqual([series[0].panel.id]);
    const stats = byQuery('stats', 'stat');
    const fatigue = stats.find((s) => /notificationReduction/.test(JSON.stringify(s.panel.options)));
    expect(fatigue).toBeDefined();
    // The stat reads a field the Stats query returns (statsToFrames).
    const frames = readText(DATASOURCE_PLUGIN, 'src', 'frames', 'statsToFrames.ts');
    expect(frames).toContain("name: 'notificationReduction'");
  });

  it('defines the site and device variables (and the metric for the series) with known kinds', () => {
    const kinds = enumValues(dsTypes, 'VariableKind');
    const vars = dashboard.templating.list;
    expect(vars.map((v) => v.name)).toEqual(['site', 'device', 'metric']);
    for (const v of vars) {
      expect(kinds).toContain(v.query.kind);
      for (const key of Object.keys(v.query))
        expect([...interfaceFields(dsTypes, 'LucidVariableQuery'), 'refId']).toContain(key);
    }
    // Every $variable used in the dashboard is defined.
    const used = new Set([...JSON.stringify(dashboard).matchAll(/\$([a-z]+)\b/g)].map((m) => m[1]));
    for (const name of used) expect(vars.map((v) => v.name)).toContain(name);
  });
});
