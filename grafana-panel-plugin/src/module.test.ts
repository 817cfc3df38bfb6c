import { plugin } from './module';
import { DEFAULT_OPTIONS } from './types';

describe('panel plugin module', () => {
  const items = (() => {
    const builder = plugin.getPanelOptionsSupplier();
    // Grafana builds the editor from the supplier; collect what it registers
    const collected: Array<{
      path: string;
      name: string;
      description?: string;
      category?: string[];
      defaultValue?: unknown;
    }> = [];
    const fake = new Proxy(
      {},
      {
        get: (_t, _method) =>
          function add(this: unknown, item: (typeof collected)[number]) {
            collected.push(item);
            return fake;
          },
      }
    );
    builder(fake as never, { data: [] } as never);
    return collected;
  })();

  it('declares every option of AlertsPanelOptions, each with a description, a category and its default', () => {
    expect(items.map((i) => i.path).sort()).toEqual(Object.keys(DEFAULT_OPTIONS).sort());
    for (const item of items) {
      expect(item.description?.length).toBeGreaterThan(20);
      expect(item.category?.length).toBe(1);
      expect(item.defaultValue).toEqual(DEFAULT_OPTIONS[item.path as keyof typeof DEFAULT_OPTIONS]);
    }
  });

  it('registers the migration handler', () => {
    expect(plugin.onPanelMigration).toBeDefined();
  });
});
