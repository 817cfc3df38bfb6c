import { ConfigError } from '../../../src/lib/contracts/errors';
import { CONNECTIVITY_METRIC, MAX_ABS_READING_VALUE } from '../../../src/lib/contracts/types';
import { FleetRegistry, type FleetDefinition } from '../../../src/lib/fleet/fleet-registry';
import {
  DEFAULT_INGEST_OPTIONS,
  resolveIngestOptions,
  type IngestOptions,
} from '../../../src/lib/ingest/ingest-options';
import { signPayload } from '../../../src/lib/ingest/payload-signature';
import { REJECT_CODES, type RejectCode } from '../../../src/lib/ingest/reject-codes';
import { TelemetryIngestor } from '../../../src/lib/ingest/telemetry-ingestor';

const NOW = Date.UTC(2024, 4, 1, 12, 0, 0); // 1714564800000
const NOW_S = NOW / 1000;
const TOPIC = 'tenants/acme/devices/t-101/telemetry';

const FLEET: FleetDefinition = {
  version: 1,
  deviceTypes: {
    fridge: {
      metrics: {
        temperature: { unit: '°C', inputUnit: '°F', min: -40, max: 60, intervalMs: 10_000 },
        supply: { unit: 'V', inputUnit: 'mV', intervalMs: 30_000 },
      },
    },
  },
  devices: [
    { deviceId: 't-101', deviceType: 'fridge', site: 'plant-a' },
    { deviceId: 'k-1', metrics: { temperature: { unit: '°C', inputUnit: 'K', intervalMs: 5_000 } } },
    { deviceId: 'quiet', metrics: { humidity: { unit: '%', intervalMs: 1_000 } } },
  ],
};

function make(options: Partial<IngestOptions> = {}, keys: Record<string, string> = {}) {
  const clock = { now: NOW };
  const ingestor = new TelemetryIngestor(
    options,
    new FleetRegistry(FLEET),
    (id) => keys[id],
    () => clock.now,
  );
  return { ingestor, clock };
}

describe('TelemetryIngestor: accepted shapes', () => {
  test.each<[string, unknown, string | undefined, object]>([
    [
      'nested JSON string on topic',
      `{"ts": ${NOW_S}, "metrics": {"humidity": 40}}`,
      TOPIC,
      { deviceId: 't-101', tenant: 'acme', site: 'plant-a', tsMs: NOW, metrics: { humidity: 40 } },
    ],
    [
      'flat Buffer on topic',
      Buffer.from(`{"ts": "2024-05-01T12:00:00Z", "humidity": 40, "rssi": -71}`),
      TOPIC,
      { deviceId: 't-101', tsMs: NOW, metrics: { humidity: 40, rssi: -71 } },
    ],
    [
      'parsed object on topic',
      { ts: NOW, metrics: { humidity: 40 }, tags: { fw: '1.2' } },
      TOPIC,
      { tsMs: NOW, tags: { fw: '1.2' } },
    ],
    [
      'built Reading without topic',
      { deviceId: 'sim-1', tsMs: NOW - 1000, metrics: { vibration: 2.5 }, site: 's1', tenant: 't' },
      undefined,
      { deviceId: 'sim-1', tsMs: NOW - 1000, site: 's1', tenant: 't', metrics: { vibration: 2.5 } },
    ],
    [
      'deviceId in payload, unrelated topic',
      { deviceId: 'd9', ts: NOW_S, x: 1 },
      'some/other/topic',
      { deviceId: 'd9', metrics: { x: 1 } },
    ],
    ['same deviceId as topic', { deviceId: 't-101', ts: NOW_S, humidity: 1 }, TOPIC, { deviceId: 't-101' }],
    ['missing ts gets receive time', { humidity: 40 }, TOPIC, { tsMs: NOW }],
  ])('%s', (_name, payload, topic, expected) => {
    const { ingestor } = make();
    const out = ingestor.ingest(payload, topic);
    expect(out.rejects).toEqual([]);
    expect(out.batch).toBe(false);
    expect(out.readings).toHaveLength(1);
    expect(out.readings[0]).toMatchObject(expected);
  });

  test('converts units declared in the fleet (°F→°C, mV→V, K→°C)', () => {
    const { ingestor } = make();
    const [r] = ingestor.ingest({ ts: NOW_S, temperature: 212, supply: 3300, humidity: 40 }, TOPIC).readings;
    expect(r.metrics.temperature).toBeCloseTo(100, 9);
    expect(r.metrics.supply).toBeCloseTo(3.3, 9);
    expect(r.metrics.humidity).toBe(40); // undeclared metric: unchanged
    const [k] = ingestor.ingest({ deviceId: 'k-1', ts: NOW_S, temperature: 300 }).readings;
    expect(k.metrics.temperature).toBeCloseTo(26.85, 9);
  });

  test('a batch (array) gives one result with the accepted readings and indexed rejects', () => {
    const { ingestor } = make();
    const out = ingestor.ingest(
      [
        { ts: NOW_S - 20, humidity: 40 },
        { ts: NOW_S - 10, humidity: '41' },
        null,
        { ts: NOW_S, humidity: 42 },
        { ts: NOW_S, humidity: 42 },
      ],
      TOPIC,
    );
    expect(out.batch).toBe(true);
    expect(out.readings.map((r) => r.metrics.humidity)).toEqual([40, 42]);
    expect(out.rejects.map((r) => [r.index, r.code])).toEqual([
      [1, 'schema'],
      [2, 'schema'],
      [4, 'duplicate'],
    ]);
    expect(out.rejects[0].detail).toBe('humidity is the string "41"; send a number');
    expect(out.rejects[0].item).toEqual({ ts: NOW_S - 10, humidity: '41' });
  });

  test('a {readings:[...]} envelope lends deviceId, tenant and ts to its items', () => {
    const { ingestor } = make();
    const out = ingestor.ingest({
      deviceId: 'gw-child',
      tenant: 'acme',
      ts: NOW_S,
      readings: [{ a: 1 }, { tsMs: NOW - 5000, a: 2 }],
    });
    expect(out.batch).toBe(true);
    expect(out.rejects).toEqual([]);
    expect(out.readings).toEqual([
      { deviceId: 'gw-child', tenant: 'acme', tsMs: NOW, metrics: { a: 1 } },
      { deviceId: 'gw-child', tenant: 'acme', tsMs: NOW - 5000, metrics: { a: 2 } },
    ]);
  });

  test('an empty batch gives nothing and is one counted reject (every message counts once)', () => {
    const { ingestor } = make();
    const out = ingestor.ingest('[]', TOPIC);
    expect(out.readings).toEqual([]);
    expect(out.rejects).toEqual([
      expect.objectContaining({ code: 'schema', detail: expect.stringMatching(/empty/) }),
    ]);
    expect(ingestor.stats()).toMatchObject({ messages: 1, accepted: 0, rejected: 1 });
  });
});

describe('TelemetryIngestor: metric names', () => {
  test('accepts inner spaces, as in recorded sensor columns', () => {
    const ingestor = new TelemetryIngestor({}, new FleetRegistry({}), undefined, () => NOW_S * 1000);
    const out = ingestor.ingest({ ts: NOW_S, metrics: { 'Volume Flow RateRMS': 32, Current: 0.8 } }, TOPIC);
    expect(out.rejects).toEqual([]);
    expect(out.readings[0].metrics).toEqual({ 'Volume Flow RateRMS': 32, Current: 0.8 });
  });
});

describe('TelemetryIngestor: every reject code', () => {
  const big = JSON.stringify({ ts: NOW_S, humidity: 1, pad: 'x'.repeat(70_000) });
  const cases: [RejectCode, Partial<IngestOptions>, unknown, string | undefined, RegExp][] = [
    ['malformed_json', {}, '{"ts": 1, "humidity": ', TOPIC, /not valid JSON/],
    ['malformed_json', {}, Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00]), TOPIC, /not valid JSON/],
    [
      'schema',
      {},
      { ts: NOW_S, metrics: { temperature: '21.5' } },
      TOPIC,
      /^metrics\.temperature is the string "21\.5"; send a number$/,
    ],
    ['schema', {}, { ts: NOW_S }, TOPIC, /no metric/],
    ['schema', {}, { ts: NOW_S, metrics: {} }, TOPIC, /metrics is empty/],
    ['schema', {}, { ts: NOW_S, metrics: { a: 1 }, humidity: 2 }, TOPIC, /humidity is not a reading field/],
    ['schema', {}, null, TOPIC, /got null/],
    ['schema', {}, '42', TOPIC, /got the number 42/],
    ['schema', {}, { metrics: { a: 1 } }, undefined, /deviceId is missing/],
    ['schema', {}, { deviceId: 'other', humidity: 1 }, TOPIC, /differs from the topic's device "t-101"/],
    [
      'schema',
      {},
      { ts: 'yesterday', humidity: 1 },
      TOPIC,
      /^ts is the string "yesterday", which is not ISO-8601/,
    ],
    ['schema', { missingTimestamp: 'reject' }, { humidity: 1 }, TOPIC, /ts is missing/],
    ['schema', {}, { readings: [], extra: 1 }, TOPIC, /extra is not a reading field/],
    ['schema', {}, { ts: NOW_S, metrics: { 'flow ': 1 } }, TOPIC, /the name "flow " is not allowed/],
    ['schema', {}, { ts: NOW_S, metrics: { '1st': 1 } }, TOPIC, /the name "1st" is not allowed/],
    ['schema', {}, { ts: NOW_S, metrics: { 'a/b': 1 } }, TOPIC, /the name "a\/b" is not allowed/],
    ['not_finite', {}, '{"ts": 1714564800, "humidity": NaN}', TOPIC, /bare NaN/],
    ['not_finite', {}, { ts: NOW_S, humidity: 'NaN' }, TOPIC, /humidity is the string "NaN"/],
    [
      'not_finite',
      {},
      { ts: NOW_S, metrics: { humidity: '-Infinity' } },
      TOPIC,
      /metrics\.humidity is the string "-Infinity"/,
    ],
    [
      'not_finite',
      {},
      { deviceId: 'x', tsMs: NOW, metrics: { humidity: Infinity } },
      undefined,
      /metrics\.humidity is Infinity/,
    ],
    ['not_finite', {}, { deviceId: 'x', tsMs: NaN, metrics: { humidity: 1 } }, undefined, /timestamp is NaN/],
    ['oversized', {}, big, TOPIC, /is 700\d\d bytes; the limit is 65536/],
    ['oversized', {}, Buffer.from(big), TOPIC, /limit is 65536/],
    ['oversized', {}, JSON.parse(big), TOPIC, /as JSON; the limit is 65536/],
    [
      'oversized',
      { maxBytes: 100 },
      `{"ts": ${NOW_S}, "humidity": 1, "pad2": ${'1'.repeat(100)}}`,
      TOPIC,
      /limit is 100 bytes/,
    ],
    [
      'timestamp_future',
      {},
      { ts: NOW_S + 301, humidity: 1 },
      TOPIC,
      /5 min ahead|ahead of the receive time/,
    ],
    ['timestamp_future', { maxFutureMs: 1000 }, { ts: NOW_S + 2, humidity: 1 }, TOPIC, /limit 1 s/],
    ['timestamp_past', {}, { ts: NOW_S - 86_401, humidity: 1 }, TOPIC, /old \(limit 24 h\)/],
    ['timestamp_past', {}, { ts: 0, humidity: 1 }, TOPIC, /set the past limit to 0/],
    [
      'unknown_device',
      { acceptUnknownDevices: false },
      { humidity: 1 },
      'tenants/acme/devices/nobody/telemetry',
      /"nobody" is not declared/,
    ],
    [
      'out_of_range',
      { rejectOutOfRange: true },
      { ts: NOW_S, temperature: 150 },
      TOPIC,
      /65\.5\d* °C is outside the physical range -40\.\.60 °C/,
    ],
    [
      'out_of_bounds',
      {},
      { ts: NOW_S, humidity: 1.7976931348623157e308 },
      TOPIC,
      /^metrics\.humidity = 1\.7976931348623157e\+308 is beyond ±1000000000000000, the largest/,
    ],
    ['out_of_bounds', {}, { ts: NOW_S, humidity: -1.0000001e15 }, TOPIC, /beyond ±1000000000000000/],
    // In the fleet unit: 1e14 mV is 1e11 V (accepted), 2e18 mV is 2e15 V (refused).
    ['out_of_bounds', {}, { ts: NOW_S, metrics: { supply: 2e18 } }, TOPIC, /supply = 2000000000000000 V/],
    ['signature_missing', { requireSignature: true }, { ts: NOW_S, humidity: 1 }, TOPIC, /sig is missing/],
    [
      'signature_invalid',
      { requireSignature: true },
      { ts: NOW_S, humidity: 1, nonce: 'abcdefgh', sig: 'a'.repeat(64) },
      TOPIC,
      /does not match/,
    ],
    [
      'signature_invalid',
      { requireSignature: true },
      { ts: NOW_S, humidity: 1, nonce: 'abcdefgh', sig: 'a'.repeat(64) },
      'tenants/acme/devices/keyless/telemetry',
      /no key is configured for device "keyless"/,
    ],
  ];
  test.each(cases)('%s (%#)', (code, options, payload, topic, detail) => {
    const { ingestor } = make(options, { 't-101': 'k3y-of-device-t-101' });
    const out = ingestor.ingest(payload, topic);
    expect(out.readings).toEqual([]);
    expect(out.rejects).toHaveLength(1);
    expect(out.rejects[0].code).toBe(code);
    expect(out.rejects[0].detail).toMatch(detail);
    expect(ingestor.stats().byReason[code]).toBe(1);
    expect(ingestor.stats().rejected).toBe(1);
  });

  test('every reject code has a case above or below (duplicate, rate_limited, replayed, seq_jump)', () => {
    const covered = new Set([...cases.map((c) => c[0]), 'duplicate', 'rate_limited', 'replayed', 'seq_jump']);
    expect(REJECT_CODES.filter((c) => !covered.has(c))).toEqual([]);
  });

  test('whole-message rejects carry the payload as received', () => {
    const { ingestor } = make();
    const buf = Buffer.from('not json');
    expect(ingestor.ingest(buf, TOPIC).rejects[0].item).toBe(buf);
  });

  test('values up to the absolute bound pass, in both signs', () => {
    const { ingestor } = make();
    const out = ingestor.ingest(
      [
        { ts: NOW_S, humidity: MAX_ABS_READING_VALUE },
        { ts: NOW_S + 1, humidity: -MAX_ABS_READING_VALUE },
        { ts: NOW_S + 2, metrics: { supply: 1e14 } },
      ],
      TOPIC,
    );
    expect(out.rejects).toEqual([]);
    expect(out.readings.map((r) => Object.values(r.metrics)[0])).toEqual([1e15, -1e15, 1e11]);
  });

  test('out-of-range values pass by default (lucid-detect flags them)', () => {
    const { ingestor } = make();
    expect(ingestor.ingest({ ts: NOW_S, temperature: 150 }, TOPIC).readings).toHaveLength(1);
  });

  test('skew limits of 0 disable the checks (replays of old datasets)', () => {
    const { ingestor } = make({ maxPastMs: 0, maxFutureMs: 0 });
    const out = ingestor.ingest(
      [
        { ts: '2013-12-02 21:15:00', humidity: 1 },
        { ts: NOW_S + 86_400 * 365, humidity: 2 },
      ],
      TOPIC,
    );
    expect(out.rejects).toEqual([]);
    expect(out.readings[0].tsMs).toBe(Date.UTC(2013, 11, 2, 21, 15));
  });

  test('garbage never throws', () => {
    const { ingestor } = make();
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const garbage: unknown[] = [
      undefined,
      null,
      0,
      -1,
      true,
      '',
      ' ',
      '{',
      '[[[[',
      'null',
      '"x"',
      [],
      [[]],
      {},
      cyclic,
      Buffer.alloc(0),
      new Uint8Array([1, 2, 3]),
      { metrics: null },
      { metrics: [] },
      { readings: 'x' },
      { readings: [null] },
      Symbol('s'),
      () => 1,
      { ts: { $date: 1 }, a: 1 },
      { deviceId: 1, a: 1 },
      { tags: { a: 1 }, a: 1 },
      { seq: -1, a: 1 },
    ];
    for (const g of garbage) {
      expect(() => ingestor.ingest(g, TOPIC)).not.toThrow();
    }
    const stats = ingestor.stats();
    expect(stats.messages).toBe(garbage.length);
    expect(stats.accepted).toBe(0);
  });
});

describe('TelemetryIngestor: duplicates', () => {
  test('same device, tsMs and metric names is a duplicate; other metric names at that instant are not', () => {
    const { ingestor } = make();
    const codes = [
      [{ ts: NOW_S, humidity: 40 }, TOPIC],
      [{ ts: NOW_S, humidity: 41 }, TOPIC],
      [{ ts: NOW_S * 1000, humidity: 41 }, TOPIC],
      [{ ts: NOW_S, rssi: -70 }, TOPIC],
      [{ ts: NOW_S, humidity: 40 }, 'tenants/acme/devices/other/telemetry'],
    ].map(([p, t]) => ingestor.ingest(p, t as string).rejects.map((r) => r.code));
    expect(codes).toEqual([[], ['duplicate'], ['duplicate'], [], []]);
  });

  test('the cache is bounded: the oldest key is forgotten', () => {
    const { ingestor } = make({ duplicateCacheSize: 2 });
    for (const s of [1, 2, 3]) ingestor.ingest({ ts: NOW_S - s, humidity: 1 }, TOPIC);
    expect(ingestor.ingest({ ts: NOW_S - 1, humidity: 1 }, TOPIC).rejects).toEqual([]); // evicted
    expect(ingestor.ingest({ ts: NOW_S - 3, humidity: 1 }, TOPIC).rejects[0].code).toBe('duplicate');
  });

  test('duplicateCacheSize 0 disables the check', () => {
    const { ingestor } = make({ duplicateCacheSize: 0 });
    ingestor.ingest({ ts: NOW_S, humidity: 1 }, TOPIC);
    expect(ingestor.ingest({ ts: NOW_S, humidity: 1 }, TOPIC).rejects).toEqual([]);
  });
});

describe('TelemetryIngestor: per-device rate limit (token bucket, injected clock)', () => {
  test('burst, then refill at the configured rate, per device', () => {
    const { ingestor, clock } = make({ rateLimitPerSec: 2, rateLimitBurst: 3 });
    let ts = NOW;
    const send = (topic = TOPIC) =>
      ingestor.ingest({ tsMs: (ts += 10), humidity: 1 }, topic).rejects.map((r) => r.code)[0] ?? 'ok';
    expect([send(), send(), send(), send()]).toEqual(['ok', 'ok', 'ok', 'rate_limited']);
    expect(send('tenants/acme/devices/other/telemetry')).toBe('ok'); // separate bucket
    clock.now += 499; // 0.998 tokens
    expect(send()).toBe('rate_limited');
    clock.now += 2; // ≥ 1 token
    expect(send()).toBe('ok');
    clock.now += 10_000; // refills to the burst, not beyond
    expect([send(), send(), send(), send()]).toEqual(['ok', 'ok', 'ok', 'rate_limited']);
    expect(ingestor.stats().byReason.rate_limited).toBe(3);
  });

  test('a rate-limited reading is not remembered as seen, so it can be re-sent', () => {
    const { ingestor, clock } = make({ rateLimitPerSec: 1, rateLimitBurst: 1 });
    expect(ingestor.ingest({ ts: NOW_S - 1, humidity: 1 }, TOPIC).rejects).toEqual([]);
    expect(ingestor.ingest({ ts: NOW_S, humidity: 1 }, TOPIC).rejects[0].code).toBe('rate_limited');
    clock.now += 1000;
    expect(ingestor.ingest({ ts: NOW_S, humidity: 1 }, TOPIC).rejects).toEqual([]);
  });

  test('rateLimitPerSec 0 disables it', () => {
    const { ingestor } = make({ rateLimitPerSec: 0, rateLimitBurst: 1 });
    const out = ingestor.ingest(
      Array.from({ length: 50 }, (_, i) => ({ tsMs: NOW - i, humidity: i })),
      TOPIC,
    );
    expect(out.readings).toHaveLength(50);
  });
});

describe('TelemetryIngestor: HMAC payload authentication', () => {
  const KEY = 'k3y-of-device-t-101';
  const signed = (p: Record<string, unknown>, key = KEY) => ({ ...p, sig: signPayload(p, key) });
  const setup = () => make({ requireSignature: true }, { 't-101': KEY });

  test('a valid signature (independent test vector) is accepted, and the reading has no auth fields', () => {
    const { ingestor } = setup();
    const body =
      '{"ts":1714564800,"nonce":"5f2b9c1e","deviceId":"t-101","metrics":{"temperature":21.5,"humidity":40},' +
      '"sig":"ee60d211254d93310a7d6a6af2da252b199e66d9a2393e3353df9388c5c89771"}';
    const out = ingestor.ingest(body, TOPIC);
    expect(out.rejects).toEqual([]);
    expect(out.readings[0]).toEqual({
      deviceId: 't-101',
      tenant: 'acme',
      site: 'plant-a',
      tsMs: NOW,
      metrics: { temperature: expect.any(Number), humidity: 40 },
    });
  });

  test.each<[string, (s: ReturnType<typeof signed>) => unknown, RejectCode, RegExp]>([
    ['tampered metric', (s) => ({ ...s, metrics: { humidity: 99 } }), 'signature_invalid', /does not match/],
    ['tampered ts', (s) => ({ ...s, ts: NOW_S + 1 }), 'signature_invalid', /does not match/],
    ['missing sig', ({ sig: _sig, ...rest }) => rest, 'signature_missing', /sig is missing/],
    [
      'signed with another key',
      ({ sig: _sig, ...rest }) => signed(rest, 'some-other-key-of-16+'),
      'signature_invalid',
      /does not match/,
    ],
  ])('%s', (_name, mutate, code, detail) => {
    const { ingestor } = setup();
    const out = ingestor.ingest(
      JSON.stringify(mutate(signed({ ts: NOW_S, nonce: 'n-0000001', metrics: { humidity: 40 } }))),
      TOPIC,
    );
    expect(out.rejects.map((r) => r.code)).toEqual([code]);
    expect(out.rejects[0].detail).toMatch(detail);
  });

  test('a replayed nonce is refused; a fresh one is accepted', () => {
    const { ingestor, clock } = setup();
    const msg = JSON.stringify(signed({ ts: NOW_S, nonce: 'n-0000001', metrics: { humidity: 40 } }));
    expect(ingestor.ingest(msg, TOPIC).rejects).toEqual([]);
    clock.now += 1000;
    const again = ingestor.ingest(msg, TOPIC);
    expect(again.rejects.map((r) => r.code)).toEqual(['replayed']);
    expect(again.rejects[0].detail).toMatch(/nonce "n-0000001" of device "t-101" was already used/);
    expect(
      ingestor.ingest(signed({ ts: NOW_S + 1, nonce: 'n-0000002', metrics: { humidity: 41 } }), TOPIC)
        .rejects,
    ).toEqual([]);
  });

  test('a stale (or future) signed ts outside the window is refused as replayed, even if past limits are off', () => {
    const { ingestor } = make(
      { requireSignature: true, signatureWindowMs: 60_000, maxPastMs: 0 },
      { 't-101': KEY },
    );
    const stale = ingestor.ingest(
      signed({ ts: NOW_S - 61, nonce: 'n-0000003', metrics: { humidity: 40 } }),
      TOPIC,
    );
    expect(stale.rejects.map((r) => r.code)).toEqual(['replayed']);
    expect(stale.rejects[0].detail).toMatch(/61 s from the receive time, outside the ±60 s signature window/);
    const ahead = ingestor.ingest(
      signed({ ts: NOW_S + 61, nonce: 'n-0000004', metrics: { humidity: 40 } }),
      TOPIC,
    );
    expect(ahead.rejects.map((r) => r.code)).toEqual(['replayed']);
  });

  test('seq must increase per device', () => {
    const { ingestor } = setup();
    const codes = [5, 6, 6, 4, 9].map(
      (seq, i) =>
        ingestor
          .ingest(signed({ ts: NOW_S - i, seq, metrics: { humidity: i } }), TOPIC)
          .rejects.map((r) => r.code)[0] ?? 'ok',
    );
    expect(codes).toEqual(['ok', 'ok', 'replayed', 'replayed', 'ok']);
  });

  describe('a signed seq cannot lock a device out (issue 15, defect 9)', () => {
    /** The reject code of one signed message (ts in s), or 'ok'. */
    const send = (ingestor: TelemetryIngestor, seq: number, tsS: number) =>
      ingestor
        .ingest(signed({ ts: tsS, seq, metrics: { humidity: 40 } }), TOPIC)
        .rejects.map((r) => r.code)[0] ?? 'ok';

    test('a seq of 1e300 or one far above the last is refused and leaves the sequence where it was', () => {
      const { ingestor } = setup();
      expect(send(ingestor, 10, NOW_S)).toBe('ok');
      expect(send(ingestor, 1e300, NOW_S + 1)).toBe('schema');
      expect(send(ingestor, 10 + 100_001, NOW_S + 2)).toBe('seq_jump');
      expect(send(ingestor, Number.MAX_SAFE_INTEGER, NOW_S + 3)).toBe('seq_jump');
      expect(send(ingestor, 11, NOW_S + 4)).toBe('ok');
      expect(send(ingestor, 11 + 100_000, NOW_S + 5)).toBe('ok');
      expect(ingestor.stats().byReason).toEqual({ schema: 1, seq_jump: 2 });
    });

    test('a device whose count restarted is accepted one signature window after its last accepted message', () => {
      const { ingestor, clock } = setup();
      expect(send(ingestor, 5000, NOW_S)).toBe('ok');
      // Rebooted: counts from 1 again, refused while its accepted messages could still be replayed.
      clock.now += 200_000;
      expect(send(ingestor, 1, NOW_S + 200)).toBe('replayed');
      clock.now += 100_001;
      expect(send(ingestor, 2, NOW_S + 300)).toBe('ok');
      expect(send(ingestor, 3, NOW_S + 301)).toBe('ok');
      expect(send(ingestor, 3, NOW_S + 302)).toBe('replayed');
    });

    test('forgetting the sequence reopens no replay: the old message is outside the window by then', () => {
      const { ingestor, clock } = setup();
      const first = signed({ ts: NOW_S, seq: 7, metrics: { humidity: 40 } });
      expect(ingestor.ingest(first, TOPIC).rejects).toEqual([]);
      clock.now += 300_001;
      expect(ingestor.ingest(first, TOPIC).rejects.map((r) => r.code)).toEqual(['replayed']);
    });

    test('maxSeqJump is at least 1', () => {
      expect(() => make({ maxSeqJump: 0 })).toThrow(/maxSeqJump is 0; expected an integer ≥ 1/);
    });
  });

  test('signed payloads need ts and a nonce or seq', () => {
    const { ingestor } = setup();
    expect(ingestor.ingest(signed({ nonce: 'n-0000005', humidity: 1 }), TOPIC).rejects[0]).toMatchObject({
      code: 'signature_missing',
      detail: expect.stringMatching(/needs a valid "ts"/),
    });
    expect(ingestor.ingest(signed({ ts: NOW_S, humidity: 1 }), TOPIC).rejects[0]).toMatchObject({
      code: 'signature_missing',
      detail: expect.stringMatching(/"nonce".*"seq"/),
    });
  });

  test('a signed envelope covers its whole batch; a bare array is signed per item', () => {
    const { ingestor } = setup();
    const env = signed({
      ts: NOW_S,
      nonce: 'env-00001',
      readings: [
        { ts: NOW_S - 2, humidity: 1 },
        { ts: NOW_S - 1, humidity: 2 },
      ],
    });
    expect(ingestor.ingest(env, TOPIC).readings).toHaveLength(2);
    const items = [
      signed({ ts: NOW_S, nonce: 'itm-00001', humidity: 3 }),
      { ts: NOW_S, nonce: 'itm-00002', humidity: 4 },
    ];
    const out = ingestor.ingest(items, TOPIC);
    expect(out.readings.map((r) => r.metrics.humidity)).toEqual([3]);
    expect(out.rejects.map((r) => [r.index, r.code])).toEqual([[1, 'signature_missing']]);
  });

  test('requireSignature without a key source is a ConfigError', () => {
    expect(() => new TelemetryIngestor({ requireSignature: true }, new FleetRegistry({}))).toThrow(
      ConfigError,
    );
  });
});

describe('TelemetryIngestor: heartbeat watchdog (injected clock)', () => {
  test('lost after factor × min metric interval of silence, restored before the returning reading', () => {
    const { ingestor, clock } = make({ heartbeatFactor: 3, heartbeatMinReadings: 1 });
    ingestor.ingest({ ts: NOW_S, humidity: 1 }, TOPIC); // t-101: intervals 10 s and 30 s → 30 s threshold
    clock.now += 30_000;
    expect(ingestor.checkHeartbeats()).toEqual([]);
    clock.now += 1;
    const lost = ingestor.checkHeartbeats();
    expect(lost).toEqual([
      {
        deviceId: 't-101',
        tenant: 'acme',
        site: 'plant-a',
        tsMs: NOW + 30_001,
        metrics: { [CONNECTIVITY_METRIC]: 0 },
        tags: { event: 'connectivity_lost', silentForMs: '30001', expectedIntervalMs: '10000' },
      },
    ]);
    clock.now += 60_000;
    expect(ingestor.checkHeartbeats()).toEqual([]); // reported once
    const back = ingestor.ingest([{ ts: clock.now / 1000, humidity: 2 }], TOPIC);
    expect(back.readings.map((r) => r.tags?.event ?? r.metrics.humidity)).toEqual([
      'connectivity_restored',
      2,
    ]);
    expect(back.readings[0]).toMatchObject({
      deviceId: 't-101',
      tsMs: clock.now,
      metrics: { connectivity: 1 },
    });
    expect(back.readings[0].tags?.silentForMs).toBe('90001');
    const stats = ingestor.stats();
    expect([stats.connectivityLost, stats.connectivityRestored, stats.accepted]).toEqual([1, 1, 2]);
    clock.now += 30_001;
    expect(ingestor.checkHeartbeats()).toHaveLength(1); // can be lost again
  });

  test('an undeclared device uses the fleet default interval (60 s)', () => {
    const { ingestor, clock } = make({ heartbeatFactor: 2, heartbeatMinReadings: 1 });
    ingestor.ingest({ deviceId: 'stranger', ts: NOW_S, a: 1 });
    clock.now += 120_000;
    expect(ingestor.checkHeartbeats()).toEqual([]);
    clock.now += 1;
    expect(ingestor.checkHeartbeats().map((r) => r.deviceId)).toEqual(['stranger']);
  });

  test('declared devices never seen are watched only with watchDeclaredDevices', () => {
    const off = make({ heartbeatFactor: 3, heartbeatMinReadings: 1 });
    off.clock.now += 3_600_000;
    expect(off.ingestor.checkHeartbeats()).toEqual([]);
    const on = make({ heartbeatFactor: 3, watchDeclaredDevices: true, heartbeatMinReadings: 1 });
    on.clock.now += 3_001; // quiet: 1 s interval
    expect(on.ingestor.checkHeartbeats().map((r) => r.deviceId)).toEqual(['quiet']);
    on.clock.now += 30_000;
    expect(on.ingestor.checkHeartbeats().map((r) => r.deviceId)).toEqual(['t-101', 'k-1']); // 30 s and 15 s thresholds
  });

  test('rejected messages do not count as heartbeats; heartbeatFactor 0 disables the watchdog', () => {
    const { ingestor, clock } = make({ heartbeatFactor: 3, heartbeatMinReadings: 1 });
    ingestor.ingest({ ts: NOW_S, humidity: 1 }, TOPIC);
    clock.now += 20_000;
    ingestor.ingest({ ts: NOW_S, humidity: 'x' }, TOPIC);
    clock.now += 10_001;
    expect(ingestor.checkHeartbeats()).toHaveLength(1);
    const off = make({ heartbeatFactor: 0 });
    off.ingestor.ingest({ ts: NOW_S, humidity: 1 }, TOPIC);
    off.clock.now += 1e9;
    expect(off.ingestor.checkHeartbeats()).toEqual([]);
  });
});

describe('TelemetryIngestor: no false connectivity losses (lifecycle)', () => {
  const STATUS = 'tenants/acme/devices/t-101/status';
  /** `n` readings of t-101, one per 10 s of wall and event time, ending at the clock. */
  function history(ingestor: TelemetryIngestor, clock: { now: number }, n: number, tsOffsetMs = 0) {
    for (let i = 0; i < n; i++) {
      ingestor.ingest({ tsMs: clock.now + tsOffsetMs, humidity: 40 + i }, TOPIC);
      if (i < n - 1) clock.now += 10_000;
    }
  }

  test('a device needs 10 readings (the default) before its silence is a loss', () => {
    expect(DEFAULT_INGEST_OPTIONS.heartbeatMinReadings).toBe(10);
    const nine = make({});
    history(nine.ingestor, nine.clock, 9);
    nine.clock.now += 3_600_000;
    expect(nine.ingestor.checkHeartbeats()).toEqual([]);
    const ten = make({});
    history(ten.ingestor, ten.clock, 10);
    ten.clock.now += 30_001;
    expect(ten.ingestor.checkHeartbeats().map((r) => r.deviceId)).toEqual(['t-101']);
  });

  test('2000 one-message devices falling silent raise no connectivity loss', () => {
    const { ingestor, clock } = make({ rateLimitPerSec: 0 });
    for (let i = 0; i < 2000; i++)
      ingestor.ingest({ tsMs: NOW, a: 1 }, `tenants/acme/devices/fake-${i}/telemetry`);
    clock.now += 3_600_000;
    expect(ingestor.checkHeartbeats()).toEqual([]);
  });

  test.each([
    ['JSON', '{"state":"offline","reason":"planned"}'],
    ['an object payload', { state: 'offline', reason: 'planned' }],
    ['a Buffer', Buffer.from(' {"state": "offline", "reason": "planned"} ')],
  ])('a planned offline (%s) silences the watch until the device sends again', (_name, payload) => {
    const { ingestor, clock } = make({});
    history(ingestor, clock, 10);
    expect(ingestor.ingest(payload, STATUS)).toEqual({ readings: [], rejects: [], batch: false });
    clock.now += 3_600_000;
    expect(ingestor.checkHeartbeats()).toEqual([]);
    const back = ingestor.ingest({ tsMs: clock.now, humidity: 41 }, TOPIC);
    expect(back.readings.map((r) => r.metrics)).toEqual([{ humidity: 41 }]); // not lost, so nothing restored
    clock.now += 30_001;
    expect(ingestor.checkHeartbeats().map((r) => r.tags?.event)).toEqual(['connectivity_lost']);
    expect(ingestor.stats()).toMatchObject({ statuses: 1, accepted: 11, connectivityLost: 1, rejected: 0 });
  });

  test.each([
    ['plain text offline (a typical last will)', 'offline'],
    ['JSON with another reason', '{"state":"offline","reason":"connection_lost"}'],
    ['JSON without reason', '{"state":"offline"}'],
  ])('an unplanned offline (%s) makes a watched device lost at once, on its own clock', (_name, payload) => {
    const { ingestor, clock } = make({});
    const behindMs = -7 * 3_600_000; // a simulator's clock 7 h behind the wall
    history(ingestor, clock, 10, behindMs);
    clock.now += 2_000;
    const { readings } = ingestor.ingest(payload, STATUS);
    expect(readings).toMatchObject([
      {
        deviceId: 't-101',
        tsMs: clock.now + behindMs,
        metrics: { connectivity: 0 },
        tags: { event: 'connectivity_lost' },
      },
    ]);
    clock.now += 60_000;
    expect(ingestor.checkHeartbeats()).toEqual([]); // reported once
    const back = ingestor.ingest({ tsMs: clock.now + behindMs, humidity: 40 }, TOPIC);
    expect(back.readings[0]).toMatchObject({
      tsMs: clock.now + behindMs,
      tags: { event: 'connectivity_restored' },
    });
  });

  test('an unplanned offline of a device without the history raises nothing', () => {
    const { ingestor, clock } = make({});
    history(ingestor, clock, 3);
    expect(ingestor.ingest('offline', STATUS).readings).toEqual([]);
  });

  test('a loss found by the watchdog is placed on the device clock: its newest event time plus the silence', () => {
    const { ingestor, clock } = make({});
    const behindMs = -7 * 3_600_000;
    history(ingestor, clock, 10, behindMs);
    const lastTsMs = clock.now + behindMs;
    clock.now += 30_001;
    expect(ingestor.checkHeartbeats()[0].tsMs).toBe(lastTsMs + 30_001);
  });

  test('online is a sign of life and ends a planned offline', () => {
    const { ingestor, clock } = make({});
    history(ingestor, clock, 10);
    ingestor.ingest('{"state":"offline","reason":"planned"}', STATUS);
    clock.now += 100_000;
    ingestor.ingest('ONLINE', STATUS);
    clock.now += 30_000;
    expect(ingestor.checkHeartbeats()).toEqual([]);
    clock.now += 1;
    expect(ingestor.checkHeartbeats()).toHaveLength(1);
  });

  test.each([
    ['gone', /neither "online", "offline" nor JSON/],
    ['{"state":"away"}', /status.state is "away"/],
    ['{"state":"offline","reason":""}', /status.reason/],
    [{ state: 'offline', reason: 'x'.repeat(65) }, /status.reason/],
    ['[1]', /expected \{"state"/],
    ['x'.repeat(2000), /at most 1024 bytes/],
  ])('a bad status %j is rejected as schema with a reason, and changes nothing', (payload, detail) => {
    const { ingestor, clock } = make({});
    history(ingestor, clock, 10);
    const { rejects } = ingestor.ingest(payload, STATUS);
    expect(rejects).toEqual([{ code: 'schema', detail: expect.stringMatching(detail), item: payload }]);
    clock.now += 30_001;
    expect(ingestor.checkHeartbeats()).toHaveLength(1);
  });

  test('a status of an undeclared device is refused when unknown devices are', () => {
    const { ingestor } = make({ acceptUnknownDevices: false });
    const { rejects } = ingestor.ingest('offline', 'tenants/acme/devices/nobody/status');
    expect(rejects.map((r) => r.code)).toEqual(['unknown_device']);
  });

  test('while the gateway has lost the broker nobody is lost; after it, silence counts from the reconnection', () => {
    const { ingestor, clock } = make({});
    history(ingestor, clock, 10);
    ingestor.setBrokerConnected(false);
    clock.now += 600_000;
    expect(ingestor.checkHeartbeats()).toEqual([]);
    ingestor.setBrokerConnected(true);
    clock.now += 30_000;
    expect(ingestor.checkHeartbeats()).toEqual([]);
    clock.now += 1;
    expect(ingestor.checkHeartbeats()).toHaveLength(1);
  });
});

describe('resolveIngestOptions', () => {
  test('defaults, and editor strings are converted', () => {
    expect(resolveIngestOptions({})).toEqual(DEFAULT_INGEST_OPTIONS);
    expect(
      resolveIngestOptions({
        maxBytes: '1024',
        rejectOutOfRange: 'true',
        maxPastMs: '0',
        missingTimestamp: 'reject',
        rateLimitPerSec: '',
      }),
    ).toMatchObject({
      maxBytes: 1024,
      rejectOutOfRange: true,
      maxPastMs: 0,
      missingTimestamp: 'reject',
      rateLimitPerSec: DEFAULT_INGEST_OPTIONS.rateLimitPerSec,
    });
  });

  test.each<[Partial<Record<keyof IngestOptions, unknown>>, RegExp]>([
    [{ maxBytes: -1 }, /maxBytes is -1; expected an integer ≥ 0/],
    [{ maxBytes: 1.5 }, /maxBytes is 1.5; expected an integer/],
    [{ maxFutureMs: 'soon' }, /maxFutureMs is "soon"; expected a number ≥ 0/],
    [{ rateLimitBurst: 0 }, /rateLimitBurst is 0; expected a number ≥ 1/],
    [{ signatureWindowMs: 0 }, /signatureWindowMs is 0; expected a number > 0/],
    [{ heartbeatFactor: NaN }, /heartbeatFactor/],
    [{ requireSignature: 'yes' }, /requireSignature is "yes"; expected true or false/],
    [{ missingTimestamp: 'drop' }, /missingTimestamp is "drop"/],
  ])('%p throws ConfigError', (partial, message) => {
    expect(() => resolveIngestOptions(partial)).toThrow(ConfigError);
    expect(() => resolveIngestOptions(partial)).toThrow(message);
  });

  test('a fleet conversion that cannot be done is a ConfigError at construction', () => {
    const fleet = new FleetRegistry({
      devices: [{ deviceId: 'r', metrics: { rssi: { unit: 'mW', inputUnit: 'dBm' } } }],
    });
    expect(() => new TelemetryIngestor({}, fleet)).toThrow(
      /device "r" metric "rssi": unit "dBm" cannot be converted/,
    );
  });
});

describe('TelemetryIngestor: envelope details', () => {
  test.each<[unknown, RegExp]>([
    [{ readings: 'x' }, /^readings is the string "x"; send an array$/],
    [{ readings: [], seq: 1.5 }, /^seq is the number 1.5; send an integer$/],
    [{ readings: [], tenant: 7 }, /^tenant is the number 7; send a string$/],
  ])('%p', (payload, detail) => {
    const { ingestor } = make();
    const out = ingestor.ingest(payload, TOPIC);
    expect(out.rejects.map((r) => r.code)).toEqual(['schema']);
    expect(out.rejects[0].detail).toMatch(detail);
  });
});
