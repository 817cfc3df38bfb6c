/**
 * The playbook bad-input cases: a playbook that fails its schema is refused with the JSON path and
 * the reason while the previous version stays in use; an unknown device type falls back to
 * `default`; a metric with no unit in the fleet takes the playbook's unit, and with no unit anywhere
 * is printed bare and never read as a power metric.
 */
import { ConfigError } from '../../../src/lib/contracts/errors';
import { Explainer } from '../../../src/lib/explain/explainer';
import { parsePlaybook, PlaybookLibrary } from '../../../src/lib/explain/playbook-library';
import { FleetRegistry } from '../../../src/lib/fleet/fleet-registry';
import { detection, moved, normal, T0 } from './fixtures';

const chiller = (version: string, weight = 1) => ({
  id: 'my-chiller',
  version,
  extends: 'default',
  metrics: { suctionPressure: { unit: 'bar', label: 'Suction pressure', min: 0, max: 30 } },
  causes: [
    {
      id: 'my-chiller.low_charge',
      label: 'Low refrigerant charge',
      family: 'process_anomaly',
      weight,
      signature: [{ metrics: ['suctionPressure'], expect: 'down' }],
    },
  ],
  actions: {
    byCause: { 'my-chiller.low_charge': [{ action: 'Leak-test the circuit', why: 'Charge is lost.' }] },
  },
});

describe('a playbook update that fails its schema', () => {
  it.each([
    ['a weight above 1', { chiller: chiller('1.1.0', 2) }, /"chiller".*\/causes\/0\/weight must be <= 1/],
    [
      'a metric without a unit',
      { chiller: { ...chiller('1.1.0'), metrics: { suctionPressure: { label: 'Suction' } } } },
      /\/metrics\/suctionPressure must have required property 'unit'/,
    ],
    [
      'an unknown cause family',
      {
        chiller: {
          ...chiller('1.1.0'),
          causes: [{ ...chiller('1').causes[0], family: 'gremlins' }],
        },
      },
      /\/causes\/0\/family must be equal to one of the allowed values \(sensor_fault, process_anomaly, environment, connectivity_power\)/,
    ],
    [
      'an inverted plausible range',
      { chiller: { ...chiller('1.1.0'), metrics: { suctionPressure: { unit: 'bar', min: 30, max: 0 } } } },
      /\/metrics\/suctionPressure plausible range must have min < max, got 30..0/,
    ],
    [
      'actions for a cause it does not declare',
      {
        chiller: {
          ...chiller('1.1.0'),
          actions: { byCause: { 'my-chiller.typo': [{ action: 'a', why: 'b' }] } },
        },
      },
      /\/actions\/byCause\/my-chiller.typo names no cause of this playbook/,
    ],
  ])('is refused (%s) and the previous version stays in use', (_name, update, message) => {
    const library = new PlaybookLibrary({ chiller: chiller('1.0.0') });
    expect(() => library.update(update)).toThrow(ConfigError);
    expect(() => library.update(update)).toThrow(message);
    expect(library.rejectedUpdates).toBe(2);
    expect(library.forDeviceType('chiller').version).toBe('1.0.0');
  });

  it('a valid update replaces the previous version', () => {
    const library = new PlaybookLibrary({ chiller: chiller('1.0.0') });
    expect(library.update({ chiller: chiller('1.1.0') })).toEqual({ chiller: 'my-chiller@1.1.0' });
    expect(library.forDeviceType('chiller').version).toBe('1.1.0');
    expect(library.rejectedUpdates).toBe(0);
  });

  it('is all or nothing: one bad entry keeps every previous override', () => {
    const library = new PlaybookLibrary({ chiller: chiller('1.0.0'), pump: 'pump' });
    expect(() => library.update({ chiller: chiller('2.0.0'), pump: 'no-such-playbook' })).toThrow(
      /playbook override "pump": no shipped playbook "no-such-playbook"/,
    );
    expect(library.forDeviceType('chiller').version).toBe('1.0.0');
  });

  it('through the explainer: explanations keep naming the previous version', () => {
    const explainer = new Explainer({ playbooks: { '*': chiller('1.0.0') } });
    expect(() => explainer.updatePlaybooks({ '*': chiller('1.1.0', 7) })).toThrow(/weight must be <= 1/);
    expect(explainer.rejectedPlaybookUpdates).toBe(1);
    const e = explainer.explain(detection('c-1', T0, [moved('suctionPressure', 5, 2, { halfBand: 0.3 })]));
    expect(e.playbook).toBe('my-chiller@1.0.0');
  });

  it('parsePlaybook names the path of an invalid JSON-text playbook', () => {
    expect(() =>
      parsePlaybook('{"id": "x", "version": "1.0.0", "actions": {"byType": {"spike": 3}}}'),
    ).toThrow(/\/actions\/byType\/spike must be array/);
  });
});

describe('an unknown device type', () => {
  it('falls back to the default playbook, in the library and in explanations', () => {
    expect(new PlaybookLibrary().forDeviceType('flux-capacitor').id).toBe('default');
    const registry = new FleetRegistry({
      version: 1,
      deviceTypes: { 'flux-capacitor': { metrics: { temperature: { unit: '°C' } } } },
      devices: [{ deviceId: 'x-1', deviceType: 'flux-capacitor' }],
    } as never);
    const e = new Explainer({ registry }).explain(
      detection('x-1', T0, [moved('temperature', 22, 40, { halfBand: 0.5 })]),
    );
    expect(e.playbook).toMatch(/^default@/);
  });
});

describe('a metric with no unit', () => {
  it('takes the unit, label and plausible range of the playbook when the fleet declares none', () => {
    const explainer = new Explainer({ playbooks: { '*': chiller('1.0.0') } });
    const e = explainer.explain(detection('c-1', T0, [moved('suctionPressure', 5, 2, { halfBand: 0.3 })]));
    expect(e.summary).toMatch(/Suction pressure/);
    expect(e.summary).toMatch(/bar/);
    const implausible = new Explainer({ playbooks: { '*': chiller('1.0.0') } }).explain(
      detection('c-2', T0, [moved('suctionPressure', 5, 45, { halfBand: 0.3 })]),
    );
    expect(implausible.causes[0].id).toBe('sensor_fault');
    expect(implausible.causes[0].evidence.join(' ')).toMatch(/above the physical maximum of 30 bar/);
  });

  it('with no unit anywhere is printed bare and never read as a power metric', () => {
    const e = new Explainer().explain(
      detection('d-1', T0, [moved('flux', 10, 40, { halfBand: 1 }), normal('other', 3)]),
    );
    expect(e.summary).toMatch(/40/);
    expect(e.summary).not.toMatch(/%|percentage point|\bV\b/);
    expect(e.causes.map((c) => c.id)).not.toContain('connectivity_power');
  });
});
