/**
 * @jest-environment node
 */
import fs from 'fs';
import path from 'path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';

/** Grafana's plugin.json schema (draft-07), kept next to the repository (TOOLCHAIN.md). */
const SCHEMA_PATH = path.resolve(__dirname, '../../../shared/schemas/grafana-plugin.schema.json');
const pluginJson = JSON.parse(fs.readFileSync(path.join(__dirname, 'plugin.json'), 'utf8'));

describe('plugin.json', () => {
  it('is valid against Grafana plugin.json schema', () => {
    if (!fs.existsSync(SCHEMA_PATH)) {
      throw new Error(`Grafana's plugin.json schema is missing at ${SCHEMA_PATH} (see TOOLCHAIN.md)`);
    }
    const schema = JSON.parse(fs.readFileSync(SCHEMA_PATH, 'utf8'));
    const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    const valid = validate(pluginJson);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

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
