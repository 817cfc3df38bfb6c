import { join } from 'node:path';
import { ConfigError, InputError } from '../../../src/lib/contracts/errors';
import { parseRecordedTimestamp } from '../../../src/lib/replay/recorded-timestamp';
import {
  Recording,
  readRecordedRows,
  SMD_START_MS,
  type RecordedRow,
  type RecordingOptions,
} from '../../../src/lib/replay/recording';
import { detectFormat, formatFromFirstLine } from '../../../src/lib/replay/recording-format';
import { deviceIdFromPath } from '../../../src/lib/replay/replay-device-id';

const FIX = join(__dirname, '..', '..', 'fixtures', 'replay');
const f = (name: string) => join(FIX, name);

async function collect(path: string, options?: RecordingOptions): Promise<RecordedRow[]> {
  const rows: RecordedRow[] = [];
  for await (const row of readRecordedRows(path, options)) rows.push(row);
  return rows;
}

async function errorOf(promise: Promise<unknown>): Promise<InputError> {
  try {
    await promise;
  } catch (err) {
    return err as InputError;
  }
  throw new Error('expected a rejection');
}

describe('detectFormat', () => {
  it.each([
    ['nab_machine_temperature.csv', 'nab'],
    ['valve1/1.csv', 'skab'],
    ['machine-9-9.txt.gz', 'smd'],
    ['generic.csv', 'csv'],
    ['generic_semicolon_epoch.csv', 'csv'],
  ])('%s → %s', async (name, format) => {
    expect(await detectFormat(f(name))).toBe(format);
  });

  it.each([
    ['timestamp,value', 'nab'],
    ['\uFEFFTimestamp, Value', 'nab'],
    ['datetime;a;b', 'skab'],
    ['1.0,2,3e-2,.5', 'smd'],
    ['time,value', 'csv'],
    ['a;b', 'csv'],
  ])('first line %j → %s', (line, format) => {
    expect(formatFromFirstLine(line)).toBe(format);
  });

  it('rejects an empty file with csv_empty and a missing one with file_not_found', async () => {
    expect(await errorOf(detectFormat(f('empty.csv')))).toMatchObject({ code: 'csv_empty' });
    expect(await errorOf(detectFormat(f('nope.csv')))).toMatchObject({ code: 'file_not_found' });
  });
});

describe('Recording / readRecordedRows', () => {
  it('reads NAB with naive timestamps as UTC', async () => {
    const rows = await collect(f('nab_machine_temperature.csv'));
    expect(rows).toHaveLength(5);
    expect(rows[0]).toEqual({
      index: 0,
      line: 2,
      tsMs: Date.UTC(2013, 11, 2, 21, 15),
      timestamp: '2013-12-02 21:15:00',
      metrics: { value: 70.5 },
    });
    expect(rows[4].tsMs - rows[0].tsMs).toBe(20 * 60_000);
    expect(rows.every((r) => r.labels === undefined)).toBe(true);
  });

  it('reads SKAB: sensors as metrics, anomaly/changepoint only as labels', async () => {
    const rec = await Recording.open(f('valve1/1.csv'));
    const rows: RecordedRow[] = [];
    for await (const row of rec.rows()) rows.push(row);
    expect(rec.format).toBe('skab');
    expect(rows).toHaveLength(4);
    expect(Object.keys(rows[0].metrics)).toEqual([
      'Accelerometer1RMS',
      'Accelerometer2RMS',
      'Current',
      'Pressure',
      'Temperature',
      'Thermocouple',
      'Voltage',
      'Volume Flow RateRMS',
    ]);
    for (const r of rows) {
      expect(r.metrics).not.toHaveProperty('anomaly');
      expect(r.metrics).not.toHaveProperty('changepoint');
    }
    expect(rows.map((r) => r.labels)).toEqual([
      { anomaly: 0, changepoint: 0 },
      { anomaly: 0, changepoint: 0 },
      { anomaly: 1, changepoint: 1 },
      { anomaly: 1, changepoint: 0 },
    ]);
    expect(rows[2].metrics.Pressure).toBeCloseTo(-0.27, 10);
    expect(rows[1].tsMs - rows[0].tsMs).toBe(1000);
    expect(rec.columns).toMatchObject({ timestamp: 'datetime', labels: ['anomaly', 'changepoint'] });
    expect(rec.bytesRead).toBe(rec.sizeBytes);
  });

  it('reads gzip SMD: d1..dN, row index as timestamp, one minute apart from a fixed epoch', async () => {
    const rows = await collect(f('machine-9-9.txt.gz'));
    expect(rows.map((r) => r.timestamp)).toEqual(['0', '1', '2']);
    expect(rows.map((r) => r.tsMs)).toEqual([SMD_START_MS, SMD_START_MS + 60_000, SMD_START_MS + 120_000]);
    expect(rows[1].metrics).toEqual({ d1: 0.4, d2: 0.5, d3: 0.6 });
    expect(rows[2].line).toBe(3);
    const custom = await collect(f('machine-9-9.txt.gz'), { smdStartMs: 0, smdStepMs: 1000 });
    expect(custom.map((r) => r.tsMs)).toEqual([0, 1000, 2000]);
  });

  it('reads a generic CSV: named timestamp column, numeric metrics, label column apart, text ignored, empty cell omitted', async () => {
    const rec = await Recording.open(f('generic.csv'));
    const rows: RecordedRow[] = [];
    for await (const row of rec.rows()) rows.push(row);
    expect(rec.columns).toEqual({
      timestamp: 'time',
      metrics: ['temp_c', 'pressure_kpa'],
      labels: ['is_anomaly'],
      ignored: ['site', 'note'],
    });
    expect(rows[0]).toMatchObject({
      tsMs: Date.UTC(2024, 0, 1, 10),
      metrics: { temp_c: 21.5, pressure_kpa: 101.3 },
      labels: { is_anomaly: 0 },
    });
    expect(rows[1].metrics).toEqual({ temp_c: 21.7 });
    expect(rows[2].labels).toEqual({ is_anomaly: 1 });
  });

  it('reads a generic CSV with ; and epoch-second timestamps', async () => {
    const rows = await collect(f('generic_semicolon_epoch.csv'));
    expect(rows.map((r) => r.tsMs)).toEqual([1704103200000, 1704103260000]);
    expect(rows[1].metrics).toEqual({ flow: 3.6, level: 0.81 });
  });

  it('honours a forced format and timestampColumn', async () => {
    const rows = await collect(f('generic.csv'), {
      format: 'csv',
      timestampColumn: 'time',
      labelColumns: [],
    });
    expect(rows[2].metrics).toEqual({ temp_c: 35.2, pressure_kpa: 101.1, is_anomaly: 1 });
    await expect(collect(f('generic.csv'), { timestampColumn: 'when' })).rejects.toThrow(ConfigError);
    await expect(collect(f('generic.csv'), { format: 'nab' })).rejects.toThrow(
      /generic\.csv:1: expected the NAB header/,
    );
  });

  it.each([
    ['malformed_value.csv', /malformed_value\.csv:4: column "value" value "seventy" is not a finite number/],
    ['malformed_columns.csv', /malformed_columns\.csv:3: .*(Invalid Record Length|record length)/i],
    [
      'malformed_timestamp.csv',
      /malformed_timestamp\.csv:3: column "timestamp" value "yesterday" is not a timestamp/,
    ],
  ])('%s fails with csv_malformed naming file and line', async (name, message) => {
    const err = await errorOf(collect(f(name)));
    expect(err).toBeInstanceOf(InputError);
    expect(err.code).toBe('csv_malformed');
    expect(err.message).toMatch(message);
  });

  it('yields the good rows before a malformed one', async () => {
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const row of readRecordedRows(f('malformed_value.csv'))) seen.push(row.metrics.value);
      })(),
    ).rejects.toThrow(InputError);
    expect(seen).toEqual([73.9, 74.9]);
  });

  it.each([
    ['empty.csv', 'csv_empty'],
    ['missing.csv', 'file_not_found'],
    ['no_timestamp.csv', 'csv_no_timestamp'],
    ['.', 'file_unreadable'],
  ])('%s → %s', async (name, code) => {
    const err = await errorOf(collect(f(name)));
    expect(err).toBeInstanceOf(InputError);
    expect(err.code).toBe(code);
  });

  it('rejects an unknown format option', async () => {
    await expect(Recording.open(f('generic.csv'), { format: 'xlsx' as never })).rejects.toThrow(ConfigError);
  });

  it('stops reading when the consumer stops early', async () => {
    const rec = await Recording.open(f('nab_machine_temperature.csv'));
    for await (const row of rec.rows()) {
      expect(row.index).toBe(0);
      break;
    }
    expect(rec.columns?.metrics).toEqual(['value']);
  });
});

describe('parseRecordedTimestamp', () => {
  it.each([
    ['2013-12-02 21:15:00', Date.UTC(2013, 11, 2, 21, 15)],
    ['2013-12-02T21:15', Date.UTC(2013, 11, 2, 21, 15)],
    ['2013-12-02 21:15:00.250', Date.UTC(2013, 11, 2, 21, 15, 0, 250)],
    ['2024-01-01T10:00:00Z', Date.UTC(2024, 0, 1, 10)],
    ['2024-01-01T12:00:00+02:00', Date.UTC(2024, 0, 1, 10)],
    ['2024-01-01', Date.UTC(2024, 0, 1)],
    ['1704103200', 1704103200000],
    ['1704103200.5', 1704103200500],
    ['1704103200000', 1704103200000],
    ['', undefined],
    ['yesterday', undefined],
    ['2024-13-45 99:99:99', undefined],
  ])('%j → %s', (text, expected) => {
    expect(parseRecordedTimestamp(text)).toBe(expected);
  });
});

describe('deviceIdFromPath', () => {
  it.each([
    ['data/realKnownCause/machine_temperature_system_failure.csv', 'machine_temperature_system_failure'],
    ['SKAB/data/valve1/1.csv', 'valve1-1'],
    ['SMD/test/machine-1-8.txt.gz', 'machine-1-8'],
    ['my data/Line #3 (east).csv', 'Line-3-east'],
    ['7.csv', '7'],
  ])('%s → %s', (path, id) => {
    expect(deviceIdFromPath(path)).toBe(id);
  });
});
