import { ConfigError } from '../../../src/lib/contracts/errors';
import type { AnomalyType, CauseFamily } from '../../../src/lib/contracts/types';
import {
  parsePlaybook,
  parsePlaybookOverrides,
  PlaybookLibrary,
  shippedPlaybooks,
} from '../../../src/lib/explain/playbook-library';

const MINIMAL = { id: 'chiller', version: '1.0.0', actions: {} };

/** The equipment playbooks of issue 14 (besides default and pump). */
const EQUIPMENT = [
  'ahu',
  'chiller',
  'motor-drive',
  'air-compressor',
  'dc-rack',
  'ups',
  'pv-inverter',
  'cold-chain',
  'network-gateway',
];

describe('shipped playbooks', () => {
  it('ship default, pump and the equipment playbooks, valid and versioned', () => {
    const shipped = shippedPlaybooks();
    expect(Object.keys(shipped).sort()).toEqual([
      'ahu',
      'air-compressor',
      'chiller',
      'cold-chain',
      'dc-rack',
      'default',
      'motor-drive',
      'network-gateway',
      'pump',
      'pv-inverter',
      'ups',
    ]);
    for (const p of Object.values(shipped)) expect(p.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it.each(EQUIPMENT)(
    '%s: cites references, declares a unit and plausible range for every metric its rules name first, and gives every cause actions with reasons',
    (id) => {
      const p = shippedPlaybooks()[id];
      expect(p.references?.length).toBeGreaterThan(0);
      expect(p.extends).toBe('default');
      expect(p.deviceTypes).toContain(id);
      const metrics = p.metrics ?? {};
      expect(Object.keys(metrics).length).toBeGreaterThan(3);
      for (const m of Object.values(metrics)) {
        expect(typeof m.unit).toBe('string');
        expect(m.min).toBeLessThan(m.max as number);
      }
      expect(p.causes?.length).toBeGreaterThanOrEqual(5);
      for (const c of p.causes ?? []) {
        expect(c.id.startsWith(`${id}.`)).toBe(true);
        expect(c.because).toBeTruthy();
        for (const term of c.signature) expect(Object.keys(metrics)).toContain(term.metrics[0]);
        const actions = p.actions.byCause?.[c.id] ?? [];
        expect(actions.length).toBeGreaterThan(0);
        for (const a of actions) {
          expect(a.why.length).toBeGreaterThan(10);
          expect(a.intent).toMatch(/^[a-z0-9-]+$/);
        }
      }
      // Inherits the generic family and type actions of default.
      expect(p.actions.byType?.stuck_sensor).toEqual(shippedPlaybooks().default.actions.byType?.stuck_sensor);
    },
  );

  it('no two causes of a playbook share one signature (they would be indistinguishable)', () => {
    for (const p of Object.values(shippedPlaybooks())) {
      const keys = (p.causes ?? []).map((c) =>
        c.signature
          .map((t) => `${t.metrics[0]}:${t.expect}`)
          .sort()
          .join(','),
      );
      expect(new Set(keys).size).toBe(keys.length);
    }
  });

  it('give actions for every anomaly type and cause family in default', () => {
    const { actions } = shippedPlaybooks().default;
    const types: AnomalyType[] = [
      'spike',
      'drop',
      'level_shift',
      'drift',
      'stuck_sensor',
      'out_of_range',
      'connectivity_loss',
      'correlated_event',
    ];
    for (const t of types) expect(actions.byType?.[t]?.length).toBeGreaterThan(0);
    const families: CauseFamily[] = ['sensor_fault', 'process_anomaly', 'environment', 'connectivity_power'];
    for (const f of families) expect(actions.byFamily?.[f]?.length).toBeGreaterThan(0);
  });

  it('pump extends default: inherits its family/type actions, not its cause rules; every pump cause has actions', () => {
    const pump = shippedPlaybooks().pump;
    expect(pump.actions.byFamily?.sensor_fault).toEqual(
      shippedPlaybooks().default.actions.byFamily?.sensor_fault,
    );
    expect(pump.causes?.every((c) => c.id.startsWith('pump.'))).toBe(true);
    for (const c of pump.causes ?? []) expect(pump.actions.byCause?.[c.id]?.length).toBeGreaterThan(0);
  });
});

describe('PlaybookLibrary', () => {
  it('resolves override → "*" → shipped deviceTypes → default', () => {
    const lib = new PlaybookLibrary({ chiller: MINIMAL, '*': 'pump' });
    expect(lib.forDeviceType('chiller').id).toBe('chiller');
    expect(lib.forDeviceType('anything').id).toBe('pump');
    const plain = new PlaybookLibrary();
    expect(plain.forDeviceType('pump').id).toBe('pump');
    expect(plain.forDeviceType('centrifugal-pump').id).toBe('pump');
    expect(plain.forDeviceType('generic').id).toBe('default');
    expect(plain.forDeviceType('unheard-of').id).toBe('default');
  });

  it('extends a shipped playbook: own lists replace, the rest is inherited', () => {
    const lib = new PlaybookLibrary(
      JSON.stringify({
        'env-sensor': {
          ...MINIMAL,
          id: 'site-env',
          version: '2.1.0',
          extends: 'default',
          actions: { byType: { spike: [{ action: 'Call the site team', why: 'House rule.' }] } },
        },
      }),
    );
    const p = lib.forDeviceType('env-sensor');
    expect(p.id).toBe('site-env');
    expect(p.actions.byType?.spike).toEqual([{ action: 'Call the site team', why: 'House rule.' }]);
    expect(p.actions.byType?.drift).toEqual(shippedPlaybooks().default.actions.byType?.drift);
  });

  it.each(['', null, undefined, '   '])('treats %p as no overrides', (v) => {
    expect(parsePlaybookOverrides(v)).toEqual({});
  });
});

describe('playbook override validation', () => {
  it.each([
    ['invalid JSON', '{"pump": ', /playbook overrides: invalid JSON/],
    ['an array', '[1, 2]', /expected a JSON object keyed by device type/],
    ['an unknown shipped id', { pump: 'nope' }, /playbook override "pump": no shipped playbook "nope"/],
    [
      'a number entry',
      { pump: 3 },
      /playbook override "pump": expected a shipped playbook id or a playbook object, got number/,
    ],
    [
      'missing version',
      { pump: { id: 'x', actions: {} } },
      /playbook override "pump": does not match the playbook schema: .*version/,
    ],
    ['a non-semver version', { pump: { ...MINIMAL, version: 'v1' } }, /\/version must match pattern/],
    [
      'an unknown anomaly type',
      { pump: { ...MINIMAL, actions: { byType: { explosion: [] } } } },
      /\/actions\/byType must NOT have additional properties \(explosion\)/,
    ],
    [
      'an action without why',
      { pump: { ...MINIMAL, actions: { byType: { spike: [{ action: 'x' }] } } } },
      /\/actions\/byType\/spike\/0 must have required property 'why'/,
    ],
    [
      'a bad cause family',
      {
        pump: {
          ...MINIMAL,
          causes: [
            { id: 'a', label: 'A', family: 'gremlins', signature: [{ metrics: ['x'], expect: 'up' }] },
          ],
        },
      },
      /\/causes\/0\/family must be equal to one of the allowed values/,
    ],
    [
      'a bad expectation',
      {
        pump: {
          ...MINIMAL,
          causes: [
            {
              id: 'a',
              label: 'A',
              family: 'sensor_fault',
              signature: [{ metrics: ['x'], expect: 'sideways' }],
            },
          ],
        },
      },
      /\/causes\/0\/signature\/0\/expect/,
    ],
    [
      'an empty signature',
      { pump: { ...MINIMAL, causes: [{ id: 'a', label: 'A', family: 'sensor_fault', signature: [] }] } },
      /\/causes\/0\/signature must NOT have fewer than 1 items/,
    ],
    [
      'a weight above 1',
      {
        pump: {
          ...MINIMAL,
          causes: [
            {
              id: 'a',
              label: 'A',
              family: 'sensor_fault',
              weight: 2,
              signature: [{ metrics: ['x'], expect: 'up' }],
            },
          ],
        },
      },
      /\/causes\/0\/weight must be <= 1/,
    ],
    [
      'duplicate cause ids',
      {
        pump: {
          ...MINIMAL,
          causes: [1, 2].map(() => ({
            id: 'a',
            label: 'A',
            family: 'sensor_fault',
            signature: [{ metrics: ['x'], expect: 'up' }],
          })),
        },
      },
      /cause id "a" is declared twice/,
    ],
    [
      'extends of an unknown playbook',
      { pump: { ...MINIMAL, extends: 'nope' } },
      /extends "nope", which is not a shipped playbook/,
    ],
  ])('rejects %s with a ConfigError naming the field', (_name, input, message) => {
    expect(() => new PlaybookLibrary(input)).toThrow(ConfigError);
    expect(() => new PlaybookLibrary(input)).toThrow(message);
  });

  it('parsePlaybook accepts a valid playbook given as JSON text', () => {
    expect(parsePlaybook(JSON.stringify(MINIMAL)).id).toBe('chiller');
  });
});
