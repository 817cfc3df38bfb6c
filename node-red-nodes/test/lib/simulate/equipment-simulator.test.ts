/** The equipment simulator: deterministic, labelled, and declaring the playbook's units and ranges. */
import { ConfigError } from '../../../src/lib/contracts/errors';
import { shippedPlaybooks } from '../../../src/lib/explain/playbook-library';
import { FleetRegistry } from '../../../src/lib/fleet/fleet-registry';
import { EQUIPMENT_MODELS } from '../../../src/lib/simulate/equipment-models';
import { EQUIPMENT_TYPES, EquipmentSimulator } from '../../../src/lib/simulate/equipment-simulator';

describe('EquipmentSimulator', () => {
  it('simulates the nine equipment types of the shipped playbooks', () => {
    expect([...EQUIPMENT_TYPES].sort()).toEqual([
      'ahu',
      'air-compressor',
      'chiller',
      'cold-chain',
      'dc-rack',
      'motor-drive',
      'network-gateway',
      'pv-inverter',
      'ups',
    ]);
  });

  it('is deterministic: the same seed gives identical ticks and schedules', () => {
    const a = new EquipmentSimulator({ deviceType: 'chiller', seed: 5 });
    const b = new EquipmentSimulator({ deviceType: 'chiller', seed: 5 });
    for (let i = 0; i < 200; i++) expect(a.next()).toEqual(b.next());
    expect(a.incidents(a.simTimeMs)).toEqual(b.incidents(b.simTimeMs));
    const c = new EquipmentSimulator({ deviceType: 'chiller', seed: 6 });
    expect(c.next()).not.toEqual(new EquipmentSimulator({ deviceType: 'chiller', seed: 5 }).next());
  });

  it.each(EQUIPMENT_TYPES.map((t) => [t]))(
    '%s: a valid fleet whose metrics carry the playbook units, inside the plausible ranges when normal',
    (deviceType) => {
      const sim = new EquipmentSimulator({ deviceType, seed: 1, warmupReadings: 50 });
      const fleet = new FleetRegistry(sim.fleetDefinition());
      const playbook = shippedPlaybooks()[EQUIPMENT_MODELS[deviceType].playbookId];
      for (const d of sim.devices()) {
        expect(fleet.device(d.deviceId).deviceType).toBe(deviceType);
        for (const [name, spec] of Object.entries(playbook.metrics ?? {}))
          expect(fleet.metric(d.deviceId, name).unit).toBe(spec.unit);
      }
      for (let i = 0; i < 50; i++)
        for (const { reading, truth } of sim.next().readings) {
          expect(truth.incident).toBeNull();
          for (const [name, value] of Object.entries(reading.metrics)) {
            const spec = playbook.metrics?.[name];
            expect(value).toBeGreaterThan(spec?.min as number);
            expect(value).toBeLessThan(spec?.max as number);
          }
        }
    },
  );

  it('labels the faulty device with the cause id and moves the metrics the fault affects', () => {
    const sim = new EquipmentSimulator({ deviceType: 'ups', seed: 2, warmupReadings: 30 });
    const first = sim.incidents(sim.startTsMs + 31 * sim.intervalMs)[0];
    expect(first.type).toBe('ups.mains_failure');
    expect(first.expectedCauses).toEqual(['ups.mains_failure']);
    const before = new Map<string, number>();
    let during: number | undefined;
    for (let i = 0; i < 40; i++) {
      const tick = sim.next();
      for (const { reading, truth } of tick.readings) {
        if (reading.deviceId !== first.deviceIds[0]) {
          expect(truth.incident).toBeNull();
          continue;
        }
        if (tick.tsMs < first.startTsMs) before.set('v', reading.metrics.inputVoltageV);
        else {
          expect(truth).toMatchObject({ incident: 'ups.mains_failure', incidentId: first.id });
          during = reading.metrics.inputVoltageV;
        }
      }
    }
    expect((before.get('v') as number) - (during as number)).toBeGreaterThan(150);
  });

  it.each([
    [{ deviceType: 'toaster' }, /deviceType: unknown equipment type "toaster"/],
    [{ deviceType: 'ups', deviceCount: 0 }, /deviceCount: expected an integer in 1..100/],
    [{ deviceType: 'ups', faults: ['ups.gremlins'] }, /faults: "ups.gremlins" is not a fault of ups/],
    [{ deviceType: 'ups', quietMs: -1 }, /quietMs: expected ≥ 0 ms/],
  ])('rejects bad options with a ConfigError naming the option (%j)', (options, message) => {
    expect(() => new EquipmentSimulator(options)).toThrow(ConfigError);
    expect(() => new EquipmentSimulator(options)).toThrow(message);
  });
});
