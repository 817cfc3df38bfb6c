import fs from 'fs';
import path from 'path';
import { pluginJsonProblems } from '../../test-support/grafana-plugin-json';

const read = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));

describe('plugin.json', () => {
  const source = read(path.join(__dirname, 'plugin.json'));

  it("follows Grafana's documented plugin.json fields", () => {
    expect(pluginJsonProblems(source)).toEqual([]);
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
      expect(pluginJsonProblems(dist, { built: true })).toEqual([]);
      expect(fs.existsSync(path.join(path.dirname(built), 'module.js'))).toBe(true);
    }
  );
});
