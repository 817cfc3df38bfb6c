import { ConfigError } from '../../src/lib/contracts/errors';
import { DEFAULT_FLEET_DEFAULTS, FleetRegistry, parseFleet } from '../../src/lib/fleet/fleet-registry';

const FLEET = {
  version: 1,
  defaults: { site: 'plant-a' },
  deviceTypes: {
    'env-sensor': {
      criticality: 2,
      metrics: {
        temperature: { unit: '°C', min: -40, max: 125, intervalMs: 5000 },
        humidity: { unit: '%', min: 0, max: 100 },
      },
    },
  },
  devices: [
    {
      deviceId: 'dev-1',
      zone: 'zone-b',
      line: 'line-2',
      deviceType: 'env-sensor',
      criticality: 5,
      metrics: { temperature: { inputUnit: '°F' } },
    },
    { deviceId: 'dev-2', zone: 'zone-b', deviceType: 'env-sensor' },
    { deviceId: 'dev-3', zone: 'zone-c', deviceType: 'env-sensor' },
  ],
};

describe('FleetRegistry', () => {
  const fleet = new FleetRegistry(FLEET as never);

  it('merges device, device type and fleet defaults', () => {
    const dev = fleet.device('dev-1');
    expect(dev).toMatchObject({
      site: 'plant-a',
      zone: 'zone-b',
      line: 'line-2',
      deviceType: 'env-sensor',
      criticality: 5,
      known: true,
    });
    expect(dev.metrics.temperature).toEqual({
      unit: '°C',
      inputUnit: '°F',
      min: -40,
      max: 125,
      intervalMs: 5000,
    });
    expect(dev.metrics.humidity).toEqual({
      unit: '%',
      min: 0,
      max: 100,
      intervalMs: DEFAULT_FLEET_DEFAULTS.intervalMs,
    });
    expect(fleet.device('dev-2').criticality).toBe(2);
  });

  it('gives unknown devices the documented defaults', () => {
    const dev = fleet.device('nobody');
    expect(dev).toMatchObject({
      site: 'plant-a',
      zone: 'default',
      line: 'default',
      deviceType: 'generic',
      criticality: 3,
      known: false,
    });
    expect(fleet.metric('nobody', 'pressure')).toEqual({ unit: '', intervalMs: 60_000 });
    expect(fleet.has('nobody')).toBe(false);
  });

  it('finds zone neighbours', () => {
    expect(fleet.zoneNeighbours('dev-1').map((d) => d.deviceId)).toEqual(['dev-2']);
    expect(fleet.zoneNeighbours('dev-3')).toEqual([]);
  });

  it.each([
    ['invalid JSON', '{', /invalid JSON/],
    ['criticality out of range', { devices: [{ deviceId: 'a', criticality: 9 }] }, /criticality/],
    ['duplicate device', { devices: [{ deviceId: 'a' }, { deviceId: 'a' }] }, /declared twice/],
    [
      'unknown device type',
      { deviceTypes: { x: {} }, devices: [{ deviceId: 'a', deviceType: 'y' }] },
      /deviceType "y"/,
    ],
    [
      'min above max',
      { deviceTypes: { x: { metrics: { t: { unit: 'C', min: 5, max: 1 } } } } },
      /min 5 ≥ max 1/,
    ],
    ['unknown property', { devicez: [] }, /fleet schema/],
  ])('rejects %s with a ConfigError', (_name, input, message) => {
    expect(() => parseFleet(input)).toThrow(ConfigError);
    expect(() => parseFleet(input)).toThrow(message);
  });

  it('treats empty input as an empty fleet', () => {
    expect(new FleetRegistry('').size).toBe(0);
    expect(parseFleet(undefined)).toEqual({});
  });
});
