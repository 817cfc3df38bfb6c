import fs from 'fs';
import path from 'path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';

/** Grafana's plugin.json schema (draft-07), kept next to the repository (TOOLCHAIN.md). */
const SCHEMA_PATH = path.resolve(__dirname, '../../../shared/schemas/grafana-plugin.schema.json');
const read = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));

function validator() {
  if (!fs.existsSync(SCHEMA_PATH)) {
    throw new Error(`Grafana's plugin.json schema is missing at ${SCHEMA_PATH} (see TOOLCHAIN.md)`);
  }
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
  addFormats(ajv);
  return ajv.compile(read(SCHEMA_PATH));
}

describe('plugin.json', () => {
  const source = read(path.join(__dirname, 'plugin.json'));

  it('is valid against Grafana plugin.json schema', () => {
    const validate = validator();
    validate(source);
    expect(validate.errors ?? []).toEqual([]);
  });

  it('is the lucid-alerts-panel panel with catalog metadata, needing the Lucid data source', () => {
    expect(source).toMatchObject({ id: 'lucid-alerts-panel', type: 'panel' });
    expect(source.dependencies.grafanaDependency).toMatch(/^>=12\./);
    expect(source.dependencies.plugins).toEqual([
      expect.objectContaining({ id: 'lucid-alerts-datasource', type: 'datasource' }),
    ]);
    expect(source.info.keywords.length).toBeGreaterThanOrEqual(3);
    // Documentation and repository links are added when the project has a public home; none is invented.
    expect(source.info.links.map((l: { name: string }) => l.name)).toEqual(expect.arrayContaining(['license']));
    for (const file of [
      ...Object.values(source.info.logos),
      ...source.info.screenshots.map((s: { path: string }) => s.path),
    ] as string[]) {
      expect(fs.existsSync(path.join(__dirname, file))).toBe(true);
    }
  });

  const built = path.join(__dirname, '..', 'dist', 'plugin.json');
  (fs.existsSync(built) ? it : it.skip)(
    'the build output (dist/plugin.json) is valid, with version and date filled in',
    () => {
      const dist = read(built);
      const validate = validator();
      validate(dist);
      expect(validate.errors ?? []).toEqual([]);
      expect(dist.info.version).toMatch(/^\d+\.\d+\.\d+/);
      expect(dist.info.updated).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(fs.existsSync(path.join(path.dirname(built), 'module.js'))).toBe(true);
    }
  );
});
