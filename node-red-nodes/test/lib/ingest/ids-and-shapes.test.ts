/**
 * Issue 15, defects 6 and 7: one id rule wherever an id enters (topic, payload, fleet), and every
 * message counted exactly once, including deeply nested JSON, empty batches and topics with an
 * empty level.
 */
import { ConfigError } from '../../../src/lib/contracts/errors';
import { ID_MAX_LENGTH, idProblem } from '../../../src/lib/contracts/ids';
import { FleetRegistry } from '../../../src/lib/fleet/fleet-registry';
import { MAX_JSON_DEPTH, jsonTextDepth, valueDepth } from '../../../src/lib/ingest/json-depth';
import { TelemetryIngestor } from '../../../src/lib/ingest/telemetry-ingestor';
import { parseTelemetryTopic, readDeviceTopic } from '../../../src/lib/ingest/telemetry-topic';

const NOW = Date.UTC(2026, 0, 1);
const make = () => new TelemetryIngestor({}, new FleetRegistry({}), undefined, () => NOW);
const reading = { tsMs: NOW, metrics: { temperature: 21 } };

describe('the id rule', () => {
  it.each(['t-101', 'env-06', 'a', 'x'.repeat(ID_MAX_LENGTH), 'plant.a', 'a..b', 'caf\u00e9', 'dev 1', 'a$'])(
    'accepts %j',
    (id) => expect(idProblem('deviceId', id)).toBeUndefined(),
  );
  it.each([
    ['empty', ''],
    ['too long', 'x'.repeat(ID_MAX_LENGTH + 1)],
    ['5,000 characters', 'd'.repeat(5000)],
    ['a tab', 'a\tb'],
    ['a newline', 'a\nb'],
    ['NUL', 'a\u0000b'],
    ['DEL', 'a\u007fb'],
    ['a C1 control', 'a\u0085b'],
    ['a slash', 'a/b'],
    ['a plus', 'a+b'],
    ['a hash', 'a#b'],
    ['dot', '.'],
    ['dot dot', '..'],
    ['$SYS', '$SYS'],
    ['a leading $', '$x'],
  ])('refuses %s', (_name, id) => {
    expect(idProblem('deviceId', id)).toMatch(
      /^deviceId ".*" (\(\d+ characters\) )?is not a valid id: use 1 to 128/,
    );
  });
  it('names a non-string', () => expect(idProblem('tenant', 42)).toMatch(/tenant must be a string id/));
});

describe('ids from the topic follow the rule and are counted when refused', () => {
  it.each([
    ['an empty tenant level', 'tenants//devices/t-1/telemetry', /the topic's tenant ""/],
    ['an empty device level', 'tenants/acme/devices//telemetry', /the topic's device id ""/],
    ['tenant ..', 'tenants/../devices/t-1/telemetry', /the topic's tenant "\.\."/],
    ['tenant $SYS', 'tenants/$SYS/devices/t-1/telemetry', /the topic's tenant "\$SYS"/],
    ['a tab in the device id', 'tenants/acme/devices/a\tb/telemetry', /device id "a\\tb"/],
    ['a 5,000-character device id', `tenants/acme/devices/${'d'.repeat(5000)}/telemetry`, /5000 characters/],
    ['a bad status topic', 'tenants/acme/devices/../status', /device id "\.\."/],
  ])('%s', (_name, topic, detail) => {
    const ingestor = make();
    const out = ingestor.ingest(JSON.stringify(reading), topic);
    expect(out.readings).toEqual([]);
    expect(out.rejects).toEqual([
      expect.objectContaining({ code: 'schema', detail: expect.stringMatching(detail) }),
    ]);
    expect(ingestor.stats()).toMatchObject({
      messages: 1,
      accepted: 0,
      rejected: 1,
      byReason: { schema: 1 },
    });
  });

  it('reads good topics and tells shapes apart', () => {
    expect(parseTelemetryTopic('tenants/acme/devices/t-1/telemetry')).toEqual({
      tenant: 'acme',
      deviceId: 't-1',
    });
    expect(readDeviceTopic('tenants/acme/devices/t-1/status')).toEqual({
      kind: 'status',
      tenant: 'acme',
      deviceId: 't-1',
    });
    expect(readDeviceTopic('sensors/t-1')).toBeNull();
    expect(parseTelemetryTopic('tenants/../devices/t-1/telemetry')).toBeNull();
  });
});

describe('ids in the payload follow the same rule', () => {
  it.each([
    ['deviceId with a tab', { ...reading, deviceId: 'a\tb' }, /deviceId "a\\tb" is not a valid id/],
    ['deviceId of 5,000 characters', { ...reading, deviceId: 'd'.repeat(5000) }, /5000 characters/],
    ['tenant ..', { ...reading, deviceId: 't-1', tenant: '..' }, /tenant "\.\." is not a valid id/],
    ['tenant $SYS', { ...reading, deviceId: 't-1', tenant: '$SYS' }, /tenant "\$SYS" is not a valid id/],
  ])('%s', (_name, payload, detail) => {
    const ingestor = make();
    const out = ingestor.ingest(payload);
    expect(out.rejects).toEqual([
      expect.objectContaining({ code: 'schema', detail: expect.stringMatching(detail) }),
    ]);
    expect(ingestor.stats()).toMatchObject({ messages: 1, rejected: 1 });
  });

  it('a fleet refuses a device id that breaks the rule', () => {
    expect(() => new FleetRegistry({ devices: [{ deviceId: '$SYS' }] })).toThrow(ConfigError);
    expect(() => new FleetRegistry({ devices: [{ deviceId: 'a\tb' }] })).toThrow(/not a valid id/);
  });
});

describe('every message is counted exactly once', () => {
  const deepText = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
  const deepValue = (n: number): unknown => {
    let v: unknown = 1;
    for (let i = 0; i < n; i++) v = [v];
    return v;
  };

  it('measures depth without recursion, and ignores brackets inside strings', () => {
    expect(jsonTextDepth('{"a": [1, {"b": "[[[[{{{"}]}')).toBe(3);
    expect(jsonTextDepth('"\\"[["')).toBe(0);
    expect(jsonTextDepth(deepText(100_000))).toBe(MAX_JSON_DEPTH + 1);
    expect(valueDepth({ a: [1, { b: '[[' }] })).toBe(3);
    expect(valueDepth(deepValue(100_000))).toBe(MAX_JSON_DEPTH + 1);
  });

  it.each([
    ['text nested 10,000 levels', deepText(10_000)],
    ['text nested 20,000 levels in an object', `{"readings": ${deepText(20_000)}}`],
    ['a parsed value nested 100,000 levels', deepValue(100_000)],
    ['bytes nested 10,000 levels', Buffer.from(deepText(10_000))],
  ])('refuses %s as schema, without a stack overflow', (_name, payload) => {
    const ingestor = make();
    const out = ingestor.ingest(payload, 'tenants/acme/devices/t-1/telemetry');
    expect(out.rejects).toEqual([
      expect.objectContaining({
        code: 'schema',
        detail: expect.stringMatching(/nested more than 32 levels/),
      }),
    ]);
    expect(ingestor.stats()).toMatchObject({ messages: 1, accepted: 0, rejected: 1 });
  });

  it.each([
    ['[]', '[]'],
    ['{"readings": []}', '{"readings": []}'],
  ])('refuses the empty batch %s as schema', (_name, payload) => {
    const ingestor = make();
    const out = ingestor.ingest(payload, 'tenants/acme/devices/t-1/telemetry');
    expect(out.rejects).toHaveLength(1);
    expect(out.rejects[0].code).toBe('schema');
    expect(ingestor.stats()).toMatchObject({ messages: 1, accepted: 0, rejected: 1 });
  });

  it('a nesting of 4 levels (an envelope) is fine', () => {
    const ingestor = make();
    const out = ingestor.ingest(
      JSON.stringify({ readings: [{ ...reading, tags: { line: 'a' } }] }),
      'tenants/acme/devices/t-1/telemetry',
    );
    expect(out.rejects).toEqual([]);
    expect(out.readings).toHaveLength(1);
  });
});
