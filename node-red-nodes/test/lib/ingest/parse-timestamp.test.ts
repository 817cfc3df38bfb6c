import { parseTimestamp } from '../../../src/lib/ingest/parse-timestamp';
import { parseTelemetryTopic } from '../../../src/lib/ingest/telemetry-topic';

const MS = Date.UTC(2024, 4, 1, 12, 0, 0); // 2024-05-01T12:00:00Z = 1714564800000

describe('parseTimestamp', () => {
  test.each<[string, unknown, number]>([
    ['epoch seconds', 1714564800, MS],
    ['epoch seconds with fraction', 1714564800.25, MS + 250],
    ['epoch ms', 1714564800000, MS],
    ['epoch µs', 1714564800000000, MS],
    ['epoch ns', 1714564800000000000, MS],
    ['ISO Z', '2024-05-01T12:00:00Z', MS],
    ['ISO lower-case z and ms', '2024-05-01T12:00:00.125z', MS + 125],
    ['ISO offset +02:00', '2024-05-01T14:00:00+02:00', MS],
    ['ISO offset -0530', '2024-05-01T06:30:00-0530', MS],
    ['ISO offset hours only', '2024-05-01T13:00:00+01', MS],
    ['ISO without zone is UTC', '2024-05-01T12:00:00', MS],
    ['space instead of T', '2024-05-01 12:00:00Z', MS],
    ['minutes precision', '2024-05-01T12:00Z', MS],
    ['date only', '2024-05-01', Date.UTC(2024, 4, 1)],
    ['comma fraction, 9 digits', '2024-05-01T12:00:00,500000000Z', MS + 500],
    ['seconds threshold: 99999999999 is seconds', 99_999_999_999, 99_999_999_999_000],
    ['ms threshold: 1e11 is ms', 1e11, 1e11],
  ])('%s', (_name, input, expected) => {
    const got = parseTimestamp(input);
    expect(typeof got).toBe('number');
    expect(got as number).toBeCloseTo(expected, 3);
  });

  test.each<[string, unknown, RegExp]>([
    ['numeric string', '1714564800', /not strings/],
    ['free text', 'yesterday', /not ISO-8601/],
    ['31 February', '2024-02-31T00:00:00Z', /not a valid calendar/],
    ['hour 25', '2024-05-01T25:00:00Z', /not a valid calendar/],
    ['bad offset', '2024-05-01T12:00:00+25:00', /offset/],
    ['NaN', NaN, /finite/],
    ['Infinity', Infinity, /finite/],
    ['boolean', true, /the boolean true/],
    ['null', null, /null/],
    ['object', {}, /an object/],
  ])('rejects %s with a reason', (_name, input, reason) => {
    const got = parseTimestamp(input);
    expect(typeof got).toBe('string');
    expect(got as string).toMatch(reason);
  });
});

describe('parseTelemetryTopic', () => {
  test.each<[unknown, { tenant: string; deviceId: string } | null]>([
    ['tenants/acme/devices/t-101/telemetry', { tenant: 'acme', deviceId: 't-101' }],
    ['tenants/a b/devices/x.y:z/telemetry', { tenant: 'a b', deviceId: 'x.y:z' }],
    ['tenants/acme/devices/t-101/telemetry/extra', null],
    ['tenants//devices/t-101/telemetry', null],
    ['tenants/acme/devices/+/telemetry', null],
    ['tenants/acme/devices/#/telemetry', null],
    ['devices/t-101/telemetry', null],
    ['', null],
    [undefined, null],
    [42, null],
  ])('%p', (topic, expected) => {
    expect(parseTelemetryTopic(topic)).toEqual(expected);
  });
});
