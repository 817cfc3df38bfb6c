import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import helper from 'node-red-node-test-helper';
import fleetNode = require('../../src/nodes/lucid-fleet/lucid-fleet');
import type { FleetConfigNode } from '../../src/nodes/shared/fleet-config';

helper.init(require.resolve('node-red'));

const FLEET = JSON.stringify({
  deviceTypes: { 'env-sensor': { metrics: { temperature: { unit: '°C', min: -40, max: 125 } } } },
  devices: [{ deviceId: 'dev-1', zone: 'zone-b', deviceType: 'env-sensor', criticality: 5 }],
});

describe('lucid-fleet', () => {
  beforeEach(() => helper.startServer());
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  it('builds the registry from inline JSON and exposes device keys from credentials', async () => {
    await helper.load(fleetNode, [{ id: 'f1', type: 'lucid-fleet', source: 'inline', fleetJson: FLEET }], {
      f1: { keys: JSON.stringify({ 'dev-1': 'k'.repeat(32) }) },
    });
    const node = helper.getNode('f1') as unknown as FleetConfigNode;
    expect(node.registry.device('dev-1')).toMatchObject({ zone: 'zone-b', criticality: 5, known: true });
    expect(node.registry.metric('dev-1', 'temperature').unit).toBe('°C');
    expect(node.deviceKey('dev-1')).toBe('k'.repeat(32));
    expect(node.deviceKey('dev-2')).toBeUndefined();
  });

  it('reads the fleet from a file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-fleet-'));
    const file = path.join(dir, 'fleet.json');
    fs.writeFileSync(file, FLEET);
    await helper.load(fleetNode, [{ id: 'f1', type: 'lucid-fleet', source: 'file', path: file }]);
    const node = helper.getNode('f1') as unknown as FleetConfigNode;
    expect(node.registry.has('dev-1')).toBe(true);
  });

  it.each([
    ['invalid inline JSON', { source: 'inline', fleetJson: '{"devices": [' }, undefined, /invalid JSON/],
    [
      'a schema violation',
      { source: 'inline', fleetJson: '{"devices":[{"deviceId":"a","criticality":7}]}' },
      undefined,
      /criticality/,
    ],
    ['a missing file', { source: 'file', path: '/nonexistent/fleet.json' }, undefined, /cannot read/],
    ['malformed device keys', { source: 'inline', fleetJson: FLEET }, { keys: '[1,2]' }, /device keys/],
    [
      'a short device key',
      { source: 'inline', fleetJson: FLEET },
      { keys: '{"dev-1":"short"}' },
      /at least 16/,
    ],
  ])('reports %s without crashing and leaves no registry', async (_name, config, credentials, message) => {
    await helper.load(
      fleetNode,
      [{ id: 'f1', type: 'lucid-fleet', ...config }],
      credentials ? { f1: credentials } : {},
    );
    const node = helper.getNode('f1') as unknown as FleetConfigNode & { error: jest.Mock };
    expect(node.registry).toBeUndefined();
    const logged = helper
      .log()
      .args.map((a: unknown[]) => JSON.stringify(a))
      .join('\n');
    expect(logged).toMatch(message);
  });
});
