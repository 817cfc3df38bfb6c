import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXAMPLE_FLOWS, type FlowNode } from '../../src/cli/example-flows';
import { provisionFlow } from '../../src/cli/flow-provisioning';
import { FleetRegistry } from '../../src/lib/fleet/fleet-registry';
import { FleetSimulator } from '../../src/lib/simulate/fleet-simulator';

const EXAMPLES = path.join(__dirname, '..', '..', 'examples');
const PACKAGE = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
const CORE_TYPES = new Set(['tab', 'comment', 'mqtt-broker', 'mqtt in', 'mqtt out', 'debug', 'status']);

describe('example flows', () => {
  it.each(Object.entries(EXAMPLE_FLOWS))(
    '%s is committed as generated (run scripts/write-example-flows.js)',
    (file, build) => {
      const committed = JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), 'utf8'));
      expect(committed).toEqual(JSON.parse(JSON.stringify(build())));
    },
  );

  it.each(Object.entries(EXAMPLE_FLOWS))(
    '%s opens with a comment, uses only known node types and wires to existing nodes',
    (_file, build) => {
      const flow = build();
      const ids = new Set(flow.map((n) => n.id));
      expect(
        flow.find(
          (n) =>
            n.type !== 'tab' &&
            n.type !== 'mqtt-broker' &&
            !String(n.type).includes('config') &&
            n.type !== 'lucid-fleet',
        )?.type,
      ).toBe('comment');
      for (const node of flow) {
        expect(CORE_TYPES.has(node.type) || node.type in PACKAGE['node-red'].nodes).toBe(true);
        for (const output of (node.wires as string[][] | undefined) ?? []) {
          for (const target of output) expect(ids.has(target)).toBe(true);
        }
        // mqtt-broker's own `broker` is a host name, not a reference.
        for (const ref of node.type === 'mqtt-broker' ? [] : ['fleet', 'broker', 'store', 'z']) {
          if (typeof node[ref] === 'string' && node[ref] !== '')
            expect(ids.has(node[ref] as string)).toBe(true);
        }
      }
      expect(new Set(flow.map((n) => n.id)).size).toBe(flow.length);
    },
  );

  it("declares exactly the simulator's fleet in the simulated-fleet example", () => {
    const flow = EXAMPLE_FLOWS['01 Simulated fleet to explained alerts.json']();
    const fleetNode = flow.find((n) => n.type === 'lucid-fleet') as FlowNode;
    const fleet = JSON.parse(String(fleetNode.fleetJson));
    expect(fleet).toEqual(JSON.parse(JSON.stringify(new FleetSimulator({}).fleetDefinition())));
    expect(new FleetRegistry(fleet).size).toBe(12);
  });
});

/** The property names a node type's editor declares in its `defaults` (top-level keys only). */
function editorDefaults(type: string): string[] {
  const html = fs.readFileSync(
    path.join(__dirname, '..', '..', 'src', 'nodes', type, `${type}.html`),
    'utf8',
  );
  const start = html.indexOf('{', html.indexOf('defaults:'));
  let depth = 0;
  let end = start;
  for (; end < html.length; end++) {
    if (html[end] === '{') depth++;
    else if (html[end] === '}' && --depth === 0) break;
  }
  const block = html.slice(start + 1, end);
  const keys: string[] = [];
  let level = 0;
  for (const m of block.matchAll(/([{}])|^\s*([A-Za-z_]+):\s*\{/gm)) {
    if (m[2] && level === 0) keys.push(m[2]);
    if (m[2]) level++;
    else if (m[1] === '{') level++;
    else if (m[1] === '}') level--;
  }
  return keys;
}

describe('example flow nodes', () => {
  it.each(Object.entries(EXAMPLE_FLOWS))(
    '%s sets every property the editor declares, so nothing shows empty on import',
    (_file, build) => {
      for (const node of build().filter((n) => n.type.startsWith('lucid-'))) {
        const declared = editorDefaults(node.type);
        expect(declared.length).toBeGreaterThan(1);
        expect(declared.filter((key) => !(key in node)).map((key) => `${node.type}.${key}`)).toEqual([]);
      }
    },
  );
});

describe('provisionFlow', () => {
  it('points the broker at the given URL and sets the simulator from the command line', () => {
    const flow = provisionFlow(
      { kind: 'simulate', speed: 5, seed: 7, durationMin: 30 },
      new URL('mqtt://10.1.2.3:2883'),
      '/tmp',
    );
    expect(flow.find((n) => n.type === 'mqtt-broker')).toMatchObject({ broker: '10.1.2.3', port: '2883' });
    expect(flow.find((n) => n.type === 'lucid-simulate')).toMatchObject({ speed: 5, seed: 7, duration: 30 });
  });

  it('sets the replay file and device, and declares SKAB files as pumps', () => {
    const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'lucid-skab-'));
    const file = path.join(dir, 'valve9', '3.csv');
    fs.mkdirSync(path.dirname(file));
    fs.writeFileSync(file, 'datetime;Accelerometer1RMS;Current\n2020-03-09 10:34:33;0.02;0.8\n');
    const flow = provisionFlow(
      { kind: 'replay', path: file, speed: 0 },
      new URL('mqtt://127.0.0.1:1883'),
      dir,
    );
    expect(flow.find((n) => n.type === 'lucid-replay')).toMatchObject({ file, deviceId: 'valve9-3' });
    const fleet = JSON.parse(String(flow.find((n) => n.type === 'lucid-fleet')?.fleetJson));
    expect(fleet.devices).toEqual([{ deviceId: 'valve9-3', deviceType: 'pump' }]);
  });

  it('refuses a missing replay file with a clear message', () => {
    expect(() =>
      provisionFlow({ kind: 'replay', path: '/nope/x.csv', speed: 0 }, new URL('mqtt://h:1'), '/tmp'),
    ).toThrow('--replay: no such file /nope/x.csv');
  });
});
